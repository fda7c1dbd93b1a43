using System.Collections.Concurrent;

namespace OutlookOAuth.Identity;

public enum SignInMessageKind
{
    /// <summary>The browser was opened on the sign-in URL.</summary>
    BrowserOpened,
    /// <summary>No browser could start: the URL must be opened by hand (or use -DeviceCode).</summary>
    BrowserUnavailable,
    /// <summary>Open this URL anywhere, then paste the final redirected URL.</summary>
    OpenAndPaste,
    /// <summary>Device code: open the verification URL and enter the code.</summary>
    DeviceCode,
}

/// <summary>Something to tell the admin during a sign-in. Holds no secret (the device user code is
/// meant to be shown).</summary>
public sealed record SignInMessage(SignInMessageKind Kind, string Text, string? Url = null, string? UserCode = null)
{
    /// <summary>When the device code expires (device-code messages only).</summary>
    public DateTimeOffset? ExpiresOn { get; init; }
}

/// <summary>The seam between a sign-in and whoever runs it (a cmdlet forwards messages to the
/// warning/information streams and prompts; tests answer directly).</summary>
public interface ISignInInteraction
{
    void Notify(SignInMessage message);
    /// <summary>Asks for the final redirected URL after a sign-in elsewhere; null when none is given.</summary>
    Task<string?> ReadRedirectAsync(string prompt, CancellationToken cancellationToken);
}

/// <summary>A request for input, answered on the thread that drains an <see cref="InteractionQueue"/>.</summary>
public sealed class PromptRequest
{
    readonly TaskCompletionSource<string?> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public PromptRequest(string prompt) => Prompt = prompt;
    public string Prompt { get; }
    public Task<string?> Answer => _answer.Task;
    public void Complete(string? value) => _answer.TrySetResult(value);
    public void Fail(Exception e) => _answer.TrySetException(e);
}

/// <summary>Carries messages and prompts from a background sign-in to one consuming thread (the
/// PowerShell pipeline thread, which alone may write to the streams).</summary>
public sealed class InteractionQueue : ISignInInteraction
{
    readonly BlockingCollection<object> _items = new();

    public void Notify(SignInMessage message) => TryAdd(message);

    public Task<string?> ReadRedirectAsync(string prompt, CancellationToken cancellationToken)
    {
        var request = new PromptRequest(prompt);
        cancellationToken.Register(() => request.Fail(new OperationCanceledException(cancellationToken)));
        if (!TryAdd(request)) request.Complete(null);
        return request.Answer;
    }

    bool TryAdd(object item)
    {
        try { return _items.TryAdd(item); }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Runs <paramref name="work"/> and yields its messages and prompts on the calling thread
    /// until it ends; then the caller reads the task's result.</summary>
    public IEnumerable<object> Drain(Task work)
    {
        work.ContinueWith(_ => _items.CompleteAdding(), TaskScheduler.Default);
        return _items.GetConsumingEnumerable();
    }
}
