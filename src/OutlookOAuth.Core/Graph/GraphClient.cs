using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace OutlookOAuth.Graph;

/// <summary>Microsoft Graph v1.0 over HttpClient and System.Text.Json (the dozen calls the registration needs; the
/// Microsoft.Graph SDK would add ~48 MB and the import time it costs). Every call carries the admin's bearer token;
/// 429 and 503 are retried after Retry-After (at most <see cref="MaxAttempts"/> tries, each wait capped); any other
/// error becomes a <see cref="GraphException"/> through <see cref="GraphErrorMap"/>.</summary>
public sealed class GraphClient : IGraphTransport
{
    readonly HttpClient _http;
    readonly Uri _root;
    readonly Func<CancellationToken, Task<string>> _token;
    readonly Func<TimeSpan, CancellationToken, Task> _delay;
    readonly TimeProvider _clock;

    public const int MaxAttempts = 4;
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <param name="endpoint">The Graph root (https://graph.microsoft.com/ or the lab's); calls go to &lt;root&gt;v1.0/&lt;path&gt;.</param>
    /// <param name="token">Gives the admin's access token (refreshing it when needed).</param>
    public GraphClient(Uri endpoint, Func<CancellationToken, Task<string>> token, HttpClient? http = null,
        Func<TimeSpan, CancellationToken, Task>? delay = null, TimeProvider? clock = null)
    {
        _root = new Uri(endpoint, "v1.0/");
        _token = token;
        _http = http ?? Identity.TrustedHttpClientFactory.FromEnvironment().GetHttpClient();
        _delay = delay ?? ((t, ct) => Task.Delay(t, ct));
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Calls made (method and path), in order: what -Verbose shows.</summary>
    public List<GraphCall> Calls { get; } = new();

    public async Task<JsonObject?> SendAsync(HttpMethod method, string path, JsonObject? body, string? what, CancellationToken cancellationToken)
    {
        var payload = body?.ToJsonString();
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(_root, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _token(cancellationToken).ConfigureAwait(false));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (path.Contains("$count", StringComparison.Ordinal) || path.Contains("$search", StringComparison.Ordinal)) request.Headers.Add("ConsistencyLevel", "eventual");
            if (payload is not null) request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
            Calls.Add(new GraphCall(method.Method, path, what));
            HttpResponseMessage response;
            try { response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new GraphException("GraphUnreachable", FailureKind.Connection,
                    $"Microsoft Graph at {_root} could not be reached for {method.Method} /{path.Split('?')[0]}: {e.Message}",
                    $"Check the network and the Graph endpoint (-GraphEndpoint, ${"env:"}{GraphIds.EndpointVariable}).", 0, null, $"{method.Method} /{path.Split('?')[0]}", e);
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                    return status == (int)HttpStatusCode.NoContent || string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text) as JsonObject;
                if (status is 429 or 503 && attempt < MaxAttempts)
                {
                    var retryAfter = response.Headers.RetryAfter is { } ra
                        ? ra.Delta is { } d ? ((int)d.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture) : ra.Date?.ToString("R")
                        : null;
                    await _delay(GraphErrorMap.RetryDelay(retryAfter, attempt, _clock.GetUtcNow(), MaxRetryDelay), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                throw GraphErrorMap.Map(status, text, method.Method, path, what);
            }
        }
    }
}
