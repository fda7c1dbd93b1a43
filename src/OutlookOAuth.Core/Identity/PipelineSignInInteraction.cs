using OutlookOAuth.Pipeline;

namespace OutlookOAuth.Identity;

/// <summary>A sign-in's messages and its question, carried to the pipeline thread by the command's <see cref="PipelineChannel"/>:
/// a browser that opened is information and verbose; what the admin must do (open a URL, enter a device code) is
/// information and a warning; the redirected URL is asked on the pipeline thread, and only of a person.</summary>
public sealed class PipelineSignInInteraction(PipelineChannel channel) : ISignInInteraction
{
    public void Notify(SignInMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Kind == SignInMessageKind.BrowserOpened)
        {
            channel.Information(message.Text, "SignIn", message.Kind.ToString());
            channel.Verbose(message.Text);
            return;
        }
        channel.Information(message, "SignIn", message.Kind.ToString());
        channel.Warning(message.Text);
    }

    public async Task<string?> ReadRedirectAsync(string prompt, CancellationToken cancellationToken)
    {
        var (answered, answer) = await channel.AskAsync(
            new PipelinePrompt("Outlook sign-in", "Paste the full address of the page the sign-in ended on.", "RedirectedUrl", prompt),
            cancellationToken).ConfigureAwait(false);
        if (!answered)
            throw new OAuthException("NoInteractiveHost", "This session cannot prompt for the redirected URL.", "Run it in an interactive session, or use -DeviceCode or -AppOnly.");
        return answer;
    }
}
