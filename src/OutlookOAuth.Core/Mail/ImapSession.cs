using System.Globalization;
using System.Text.RegularExpressions;

namespace OutlookOAuth.Mail;

/// <summary>
/// An IMAP client session (RFC 3501 / RFC 9051): greeting, CAPABILITY, STARTTLS, AUTHENTICATE XOAUTH2 (RFC 7628
/// style error continuation answered with an empty line; SASL-IR RFC 4959 when offered), SELECT, LOGOUT, and a
/// general <see cref="CommandAsync"/> returning the untagged responses (literals included) for SEARCH/FETCH/STORE.
/// </summary>
public sealed partial class ImapSession : IAsyncDisposable
{
    readonly HashSet<string> _capabilities = new(StringComparer.OrdinalIgnoreCase);
    int _tag;

    public ImapSession(MailConnection connection) => Connection = connection;

    public MailConnection Connection { get; }
    public ImapResponse? Greeting { get; private set; }
    public IReadOnlyCollection<string> Capabilities => _capabilities;
    public bool IsAuthenticated { get; private set; }

    /// <summary>Connects with implicit TLS (<paramref name="ssl"/>) or STARTTLS, reads the greeting and the capabilities.</summary>
    public static async Task<ImapSession> ConnectAsync(string host, int port, bool ssl, MailConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var connection = await MailConnection.OpenAsync(host, port, options, cancellationToken).ConfigureAwait(false);
        var session = new ImapSession(connection);
        try
        {
            if (ssl) await connection.StartTlsAsync(cancellationToken).ConfigureAwait(false);
            await session.ReadGreetingAsync(cancellationToken).ConfigureAwait(false);
            if (!ssl) await session.StartTlsAsync(cancellationToken).ConfigureAwait(false);
            if (session._capabilities.Count == 0) await session.CapabilityAsync(cancellationToken).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public bool Supports(string capability) => _capabilities.Contains(capability);

    /// <summary>Reads one complete response, with its literals.</summary>
    public async Task<ImapResponse> ReadResponseAsync(CancellationToken cancellationToken = default)
    {
        var parts = new List<object>(1);
        while (true)
        {
            var line = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            parts.Add(line);
            var m = LiteralRegex().Match(line);
            // A continuation request ("+ ...") never carries a literal, whatever its text ends with.
            if (!m.Success || (parts.Count == 1 && line.StartsWith('+'))) break;
            if (!int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                throw new MailProtocolException(MailFailure.ProtocolViolation, $"{Connection.Endpoint} announced an oversized literal.");
            parts.Add(await Connection.ReadBytesAsync(length, cancellationToken).ConfigureAwait(false));
            if (parts.Count > 20001)
                throw new MailProtocolException(MailFailure.ProtocolViolation, $"{Connection.Endpoint} sent a response with too many literals.");
        }
        var response = ImapResponse.Parse(parts);
        if (response.ResponseCodeName == "CAPABILITY" && response.Status is ImapStatus.Ok or ImapStatus.PreAuth)
            SetCapabilities(response.ResponseCode!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1));
        return response;
    }

    [GeneratedRegex(@"~?\{([0-9]{1,10})\+?\}$", RegexOptions.CultureInvariant)]
    private static partial Regex LiteralRegex();

    public async Task<ImapResponse> ReadGreetingAsync(CancellationToken cancellationToken = default)
    {
        var greeting = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
        Greeting = greeting;
        if (greeting.Kind != ImapResponseKind.Untagged || greeting.Status is not (ImapStatus.Ok or ImapStatus.PreAuth))
            throw new ImapCommandException("the connection (greeting)", greeting);
        IsAuthenticated = greeting.Status == ImapStatus.PreAuth;
        return greeting;
    }

    /// <summary>Runs a command: sends "tag command", collects untagged responses until the tagged completion.
    /// <paramref name="onContinuation"/> answers continuation requests (null: the line to send is returned;
    /// without a handler a continuation is a protocol error). Throws <see cref="ImapCommandException"/> unless OK.</summary>
    public async Task<ImapCommandResult> CommandAsync(string command, string? transcript = null,
        Func<ImapResponse, string?>? onContinuation = null, CancellationToken cancellationToken = default)
    {
        var tag = "A" + (++_tag).ToString("D4", CultureInfo.InvariantCulture);
        await Connection.WriteLineAsync(tag + " " + command, transcript is null ? null : tag + " " + transcript, cancellationToken).ConfigureAwait(false);
        var untagged = new List<ImapResponse>();
        var verb = command.Split(' ', 2)[0].ToUpperInvariant();
        while (true)
        {
            var response = await ReadResponseAsync(cancellationToken).ConfigureAwait(false);
            switch (response.Kind)
            {
                case ImapResponseKind.Continuation:
                    if (onContinuation is null)
                        throw new MailProtocolException(MailFailure.ProtocolViolation, $"{Connection.Endpoint} asked for a continuation of {verb}.");
                    await Connection.WriteLineAsync(onContinuation(response) ?? "", null, cancellationToken).ConfigureAwait(false);
                    break;
                case ImapResponseKind.Untagged:
                    if (response.Status == ImapStatus.Bye && verb != "LOGOUT")
                        throw new ImapCommandException(verb, response);
                    if (response.Keyword == "CAPABILITY") SetCapabilities(response.Data.Select(t => t.AsString() ?? ""));
                    untagged.Add(response);
                    break;
                case ImapResponseKind.Tagged when response.Tag == tag:
                    var result = new ImapCommandResult(response, untagged);
                    return response.Status == ImapStatus.Ok ? result : throw new ImapCommandException(verb, response);
                default:
                    throw new MailProtocolException(MailFailure.ProtocolViolation, $"{Connection.Endpoint} completed an unknown command '{response.Tag}'.");
            }
        }
    }

    public async Task<IReadOnlyCollection<string>> CapabilityAsync(CancellationToken cancellationToken = default)
    {
        await CommandAsync("CAPABILITY", null, null, cancellationToken).ConfigureAwait(false);
        return Capabilities;
    }

    /// <summary>STARTTLS and the TLS handshake, then CAPABILITY again (RFC 3501 §6.2.1).</summary>
    public async Task StartTlsAsync(CancellationToken cancellationToken = default)
    {
        if (_capabilities.Count == 0) await CapabilityAsync(cancellationToken).ConfigureAwait(false);
        if (!Supports("STARTTLS"))
            throw new MailProtocolException(MailFailure.NotSupported, $"{Connection.Endpoint} does not offer STARTTLS.");
        await CommandAsync("STARTTLS", null, null, cancellationToken).ConfigureAwait(false);
        await Connection.StartTlsAsync(cancellationToken).ConfigureAwait(false);
        _capabilities.Clear();
        await CapabilityAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>AUTHENTICATE XOAUTH2 (initial response inline when SASL-IR is offered). On failure the server's error
    /// challenge is answered with an empty line and the NO is thrown with the decoded challenge.</summary>
    public async Task<ImapCommandResult> AuthenticateXOAuth2Async(string username, string accessToken, CancellationToken cancellationToken = default)
    {
        if (!Connection.IsEncrypted)
            throw new MailProtocolException(MailFailure.NotSupported, $"Refusing to send a bearer token to {Connection.Endpoint} over an unencrypted connection.");
        if (_capabilities.Count == 0) await CapabilityAsync(cancellationToken).ConfigureAwait(false);
        if (!Supports("AUTH=XOAUTH2"))
            throw new MailProtocolException(MailFailure.NotSupported,
                $"{Connection.Endpoint} does not offer AUTHENTICATE XOAUTH2 (offered: {string.Join(" ", _capabilities.Where(c => c.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase)).DefaultIfEmpty("none"))}).");
        var response = XOAuth2.InitialResponse(username, accessToken);
        Connection.AddSecret(accessToken);
        Connection.AddSecret(response);
        var saslIr = Supports("SASL-IR");
        var sent = saslIr;
        string? challenge = null;
        string? Answer(ImapResponse continuation)
        {
            if (!sent)
            {
                sent = true;
                return response;
            }
            challenge ??= XOAuth2.DecodeChallenge(continuation.Text) ?? continuation.Text;
            Connection.Info($"error challenge: {TranscriptRedaction.Printable(TranscriptRedaction.Redact(challenge))}");
            return "";
        }
        try
        {
            var result = saslIr
                ? await CommandAsync("AUTHENTICATE XOAUTH2 " + response, "AUTHENTICATE XOAUTH2 " + TranscriptRedaction.Mask, Answer, cancellationToken).ConfigureAwait(false)
                : await CommandAsync("AUTHENTICATE XOAUTH2", null, Answer, cancellationToken).ConfigureAwait(false);
            IsAuthenticated = true;
            if (result.Completion.ResponseCodeName != "CAPABILITY") _capabilities.Clear();
            return result;
        }
        catch (ImapCommandException e) when (challenge is not null)
        {
            throw new ImapCommandException(e.Command, e.Response, challenge);
        }
    }

    /// <summary>SELECT a mailbox (read-write) and report its counts.</summary>
    public async Task<ImapMailbox> SelectAsync(string mailbox = "INBOX", CancellationToken cancellationToken = default)
    {
        var result = await CommandAsync("SELECT " + Quote(mailbox), null, null, cancellationToken).ConfigureAwait(false);
        long exists = 0, recent = 0;
        long? uidValidity = null, uidNext = null;
        var flags = new List<string>();
        foreach (var r in result.Untagged)
        {
            if (r.Keyword == "EXISTS" && r.Number is { } e) exists = e;
            else if (r.Keyword == "RECENT" && r.Number is { } n) recent = n;
            else if (r.Keyword == "FLAGS" && r.Data.Count > 0) flags.AddRange(r.Data[0].Items.Select(t => t.AsString() ?? ""));
            else if (r.Status == ImapStatus.Ok && r.ResponseCode is { } code)
            {
                var words = code.Split(' ');
                if (words.Length == 2 && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                {
                    if (words[0].Equals("UIDVALIDITY", StringComparison.OrdinalIgnoreCase)) uidValidity = v;
                    else if (words[0].Equals("UIDNEXT", StringComparison.OrdinalIgnoreCase)) uidNext = v;
                }
            }
        }
        var readOnly = string.Equals(result.Completion.ResponseCodeName, "READ-ONLY", StringComparison.Ordinal);
        return new ImapMailbox(mailbox, exists, recent, uidValidity, uidNext, readOnly, flags);
    }

    /// <summary>LOGOUT; the server's BYE and tagged OK are read (a server that just closes is tolerated).</summary>
    public async Task LogoutAsync(CancellationToken cancellationToken = default)
    {
        try { await CommandAsync("LOGOUT", null, null, cancellationToken).ConfigureAwait(false); }
        catch (MailProtocolException e) when (e.Failure == MailFailure.ConnectionClosed) { }
    }

    /// <summary>An IMAP quoted string (or the atom itself when it needs no quoting).</summary>
    public static string Quote(string value)
    {
        if (value.Any(c => c is '\r' or '\n' or '\0')) throw new ArgumentException("CR, LF and NUL cannot be quoted.", nameof(value));
        if (value.Length > 0 && value.All(c => c > ' ' && c < 127 && c is not ('(' or ')' or '{' or '%' or '*' or '"' or '\\' or ']')))
            return value;
        return "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    void SetCapabilities(IEnumerable<string> capabilities)
    {
        _capabilities.Clear();
        foreach (var c in capabilities) if (c.Length > 0) _capabilities.Add(c);
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

/// <summary>The tagged completion of a command and the untagged responses it produced.</summary>
public sealed record ImapCommandResult(ImapResponse Completion, IReadOnlyList<ImapResponse> Untagged);
