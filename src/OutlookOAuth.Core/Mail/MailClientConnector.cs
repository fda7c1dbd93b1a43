using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Security;

namespace OutlookOAuth.Mail;

/// <summary>
/// Opens authenticated MailKit SMTP and IMAP connections to the servers of the configuration: the connection security of
/// the server (STARTTLS required, or implicit TLS), certificate validation through <see cref="CertificateTrust"/> (system
/// roots plus <c>OUTLOOKOAUTH_CA_FILE</c>, never "accept all"), a timeout on every operation, SASL XOAUTH2 with the token of
/// the <see cref="IAccessTokenProvider"/> (for app-only tokens the mailbox is the SASL user), and a redacted protocol
/// transcript. Failures are the module's own exceptions: <see cref="OAuthException"/> for the token and
/// <see cref="MailProtocolException"/> with the stage, the server's reply, a stable <see cref="MailProtocolException.ErrorId"/>
/// and a hint (<see cref="ConnectionHints"/>) for everything else; caller cancellation stays an
/// <see cref="OperationCanceledException"/>. The building blocks are public for callers with their own steps
/// (the staged <see cref="ConnectionTester"/>).
/// </summary>
public sealed partial class MailClientConnector
{
    /// <summary>The SASL mechanism the module uses (the only one Microsoft 365 offers for OAuth).</summary>
    public const string Mechanism = "XOAUTH2";

    readonly MailClientOptions _options;
    readonly Lazy<CertificateTrust> _trust;

    public MailClientConnector(MailClientOptions? options = null)
    {
        _options = options ?? new MailClientOptions();
        _trust = new Lazy<CertificateTrust>(() => _options.Trust ?? CertificateTrust.FromEnvironment());
    }

    public MailClientOptions Options => _options;

    /// <summary>The certificate trust in use (read from the environment on first use when not given).</summary>
    public CertificateTrust Trust => _trust.Value;

    /// <summary>A connected, secured and authenticated SMTP client for <paramref name="server"/>. The caller disposes it
    /// (after <c>DisconnectAsync(true)</c> for a polite QUIT).</summary>
    public Task<SmtpClient> ConnectSmtpAsync(OutgoingMailServer server, IAccessTokenProvider tokens, ITranscriptSink? transcript, CancellationToken ct) =>
        ConnectAsync(server, tokens, transcript, log => new SmtpClient(log), ct);

    /// <summary>A connected, secured and authenticated IMAP client for <paramref name="server"/>. The caller disposes it.</summary>
    public Task<ImapClient> ConnectImapAsync(IncomingMailServer server, IAccessTokenProvider tokens, ITranscriptSink? transcript, CancellationToken ct) =>
        ConnectAsync(server, tokens, transcript, log => new ImapClient(log), ct);

    /// <summary>Token, connection, TLS and XOAUTH2 for a client made by <paramref name="create"/> (an SmtpClient or ImapClient,
    /// or a subclass) from the connection's protocol logger.</summary>
    public async Task<TClient> ConnectAsync<TClient>(MailServer server, IAccessTokenProvider tokens, ITranscriptSink? transcript,
        Func<MailProtocolTranscript, TClient> create, CancellationToken ct) where TClient : MailService
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(tokens);
        if (!server.UsesOutlookOAuth)
            throw new MailProtocolException(MailFailure.NotSupported,
                $"'{server.Name}' uses password authentication; the module signs in to mail servers with Outlook OAuth (XOAUTH2) only.")
            {
                Stage = ConnectionTestStage.Authenticate, ErrorId = "PasswordAuthenticationNotSupported",
                Hint = $"Set the server's authentication to outlook and connect its account: 'Set-OutlookMailServer -Name '{server.Name}' -Authentication Outlook'.",
            };
        var token = await GetAccessTokenAsync(server, tokens, ct).ConfigureAwait(false);
        var log = CreateTranscript(server, transcript);
        var client = create(log);
        try
        {
            Configure(client, log);
            var socket = await OpenSocketAsync(server, log, ct).ConfigureAwait(false);
            await StartSessionAsync(client, server, socket, log, ct).ConfigureAwait(false);
            await AuthenticateAsync(client, server, token, log, ct).ConfigureAwait(false);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>The SecureSocketOptions of a server's connection security: implicit TLS (SslOnConnect) for an outgoing server
    /// with ssl and an incoming server with SSL, STARTTLS (required) for starttls and an incoming server without SSL, none for none.</summary>
    public static SecureSocketOptions SecureSocketOptionsFor(MailServer server) => server switch
    {
        OutgoingMailServer { Encryption: SmtpEncryption.Ssl } => SecureSocketOptions.SslOnConnect,
        OutgoingMailServer { Encryption: SmtpEncryption.StartTls } => SecureSocketOptions.StartTls,
        OutgoingMailServer => SecureSocketOptions.None,
        IncomingMailServer { Ssl: true } => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.StartTls,
    };

    /// <summary>The protocol logger of one connection (pass it to the client's constructor).</summary>
    public static MailProtocolTranscript CreateTranscript(MailServer server, ITranscriptSink? transcript) => new(server.Endpoint, transcript);

    /// <summary>The token for <paramref name="server"/>, within the timeout. Failures are <see cref="OAuthException"/>s with a hint.</summary>
    public async Task<AccessToken> GetAccessTokenAsync(MailServer server, IAccessTokenProvider tokens, CancellationToken ct)
    {
        AccessToken token;
        try
        {
            token = await tokens.GetAccessTokenAsync(server, ct).WaitAsync(_options.Timeout, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
        catch (OAuthException e) when (e.Hint is null)
        {
            throw new OAuthException(e.ErrorId, e.Message, ConnectionHints.TokenHint(server, null), e.AadstsCode, e);
        }
        catch (OAuthException) { throw; }
        catch (TimeoutException e)
        {
            throw new OAuthException("TokenTimeout", $"The token provider did not answer within {Seconds(_options.Timeout)}.",
                "Check that this machine reaches the Entra token endpoint (login.microsoftonline.com) and retry.", null, e);
        }
        catch (Exception e)
        {
            throw new OAuthException("TokenError", $"No access token for '{server.Name}': {e.Message}", ConnectionHints.TokenHint(server, null), null, e);
        }
        if (string.IsNullOrWhiteSpace(token.Value))
            throw new OAuthException("EmptyAccessToken", $"The token provider returned no access token for '{server.Name}'.", ConnectionHints.TokenHint(server, null));
        return token;
    }

    /// <summary>Sets the per-operation timeout and certificate validation of <paramref name="client"/>.</summary>
    public void Configure(MailService client, MailProtocolTranscript log)
    {
        var trust = Trust;
        client.Timeout = (int)Math.Clamp(_options.Timeout.TotalMilliseconds, 1, int.MaxValue);
        client.CheckCertificateRevocation = false;
        client.ServerCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            if (trust.Validate(certificate, chain, errors, out var reason))
            {
                log.CertificateSubject = certificate?.Subject;
                return true;
            }
            log.CertificateRefusal = reason;
            return false;
        };
    }

    /// <summary>Resolves the host and opens a TCP connection to the first address that answers (the Connect stage).</summary>
    public async Task<Socket> OpenSocketAsync(MailServer server, MailProtocolTranscript log, CancellationToken ct)
    {
        using var cts = Linked(ct);
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(server.HostName, out var literal)
                ? [literal]
                : await Dns.GetHostAddressesAsync(server.HostName, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw Fail(server, ConnectionTestStage.Connect, MailFailure.Timeout, $"Resolving '{server.HostName}' took longer than {Seconds(_options.Timeout)}.", null, false);
        }
        catch (SocketException e)
        {
            throw Fail(server, ConnectionTestStage.Connect, MailFailure.HostNotFound, $"The host name '{server.HostName}' cannot be resolved ({e.SocketErrorCode}).", e, false);
        }
        if (addresses.Length == 0)
            throw Fail(server, ConnectionTestStage.Connect, MailFailure.HostNotFound, $"The host name '{server.HostName}' has no address.", null, false);

        MailProtocolException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, server.Port), cts.Token).ConfigureAwait(false);
                log.Info($"connected to {address}:{server.Port}");
                return socket;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                socket.Dispose();
                throw Fail(server, ConnectionTestStage.Connect, MailFailure.Timeout,
                    $"Connecting to {server.Endpoint} ({address}) took longer than {Seconds(_options.Timeout)}.", null, false);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                var (failure, text) = e.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => (MailFailure.ConnectionRefused, $"{server.Endpoint} ({address}) refused the connection: nothing listens on port {server.Port}."),
                    SocketError.TimedOut => (MailFailure.Timeout, $"Connecting to {server.Endpoint} ({address}) timed out."),
                    SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.NetworkDown or SocketError.HostDown =>
                        (MailFailure.NetworkUnreachable, $"{server.Endpoint} ({address}) is unreachable ({e.SocketErrorCode})."),
                    _ => (MailFailure.ConnectionClosed, $"Cannot connect to {server.Endpoint} ({address}): {e.SocketErrorCode}."),
                };
                last = Fail(server, ConnectionTestStage.Connect, failure, text, e, false);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>Greeting, EHLO/CAPABILITY and TLS (implicit, or STARTTLS) over an open socket; the client owns the socket
    /// afterwards. Failures before STARTTLS are of the Connect stage, the rest of the Tls stage.</summary>
    public async Task StartSessionAsync(MailService client, MailServer server, Socket socket, MailProtocolTranscript log, CancellationToken ct)
    {
        var options = SecureSocketOptionsFor(server);
        // EHLO with the address literal of the local end (RFC 5321 4.1.3), not the machine's name.
        if (client is SmtpClient smtp && smtp.LocalDomain is null && socket.LocalEndPoint is IPEndPoint local)
            smtp.LocalDomain = (local.Address.IsIPv4MappedToIPv6 ? local.Address.MapToIPv4() : local.Address).ToString();
        // The whole exchange (greeting, EHLO/CAPABILITY, STARTTLS, handshake, EHLO) is one stage and gets the limit once.
        // MailKit's Timeout bounds each read and write after the connection is set up, but not the reads of an implicit
        // TLS handshake (the socket has no receive timeout yet): a silent server on an SSL port used to hold this stage
        // for the five-fold limit this token had, so -TimeoutSeconds 1 took 5 s (issue 16, item 8).
        using var cts = Linked(ct);
        try
        {
            await client.ConnectAsync(socket, server.HostName, server.Port, options, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            var stage = options == SecureSocketOptions.SslOnConnect || log.StartTlsSent ? ConnectionTestStage.Tls : ConnectionTestStage.Connect;
            throw Map(cts.IsCancellationRequested ? new TimeoutException("the exchange took too long", e) : e, server, stage, log);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        if (client.IsSecure)
            log.Info($"TLS established ({client.SslProtocol}, {client.SslCipherSuite}, certificate {log.CertificateSubject})");
    }

    /// <summary>SASL XOAUTH2 with <paramref name="token"/> (SASL user: the token's username, else the server's). Refuses to send
    /// the token over an unencrypted connection or when the server does not offer XOAUTH2.</summary>
    public async Task AuthenticateAsync(MailService client, MailServer server, AccessToken token, MailProtocolTranscript log, CancellationToken ct)
    {
        const ConnectionTestStage stage = ConnectionTestStage.Authenticate;
        if (!client.IsSecure)
            throw Fail(server, stage, MailFailure.NotSupported, $"Refusing to send a bearer token to {server.Endpoint} over an unencrypted connection.", null, true, appOnly: token.AppOnly);
        if (!client.AuthenticationMechanisms.Contains(Mechanism))
            throw Fail(server, stage, MailFailure.NotSupported,
                $"{server.Endpoint} does not offer {Mechanism} (offered: {(client.AuthenticationMechanisms.Count > 0 ? string.Join(" ", client.AuthenticationMechanisms) : "no authentication at all")}).",
                null, true, appOnly: token.AppOnly);
        var user = SaslUser(server, token);
        log.AddSecret(token.Value);
        log.AddSecret(Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={user}\u0001auth=Bearer {token.Value}\u0001\u0001")));
        using var cts = Linked(ct); // the whole SASL exchange, not each of its round trips
        try
        {
            await client.AuthenticateAsync(new SaslMechanismOAuth2(user, token.Value), cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            throw Map(cts.IsCancellationRequested ? new TimeoutException("the exchange took too long", e) : e, server, stage, log, token.AppOnly);
        }
    }

    /// <summary>The SASL user: the token's username (for app-only tokens the mailbox to open), else the server's.</summary>
    public static string SaslUser(MailServer server, AccessToken token) =>
        string.IsNullOrWhiteSpace(token.Username) ? server.Username : token.Username;

    /// <summary>Turns a MailKit, socket or TLS failure at <paramref name="stage"/> into a <see cref="MailProtocolException"/>
    /// with the server's reply, an error id and a hint. Probe steps of other callers (MAIL FROM, SELECT) use it too.</summary>
    public MailProtocolException Map(Exception e, MailServer server, ConnectionTestStage stage, MailProtocolTranscript log, bool appOnly = false,
        string? sender = null, string? recipient = null)
    {
        if (e is MailProtocolException m) return m;
        var endpoint = server.Endpoint;
        MailProtocolException F(MailFailure failure, string message, int? code = null, string? enhanced = null, string? text = null) =>
            Fail(server, stage, failure, message, e, true, code, enhanced, text, appOnly, sender, recipient);

        switch (e)
        {
            case OperationCanceledException or TimeoutException:
            case IOException or SmtpProtocolException or ImapProtocolException when TimedOut(e):
                return F(MailFailure.Timeout, stage == ConnectionTestStage.Connect
                    ? $"{endpoint} did not answer within {Seconds(_options.Timeout)}."
                    : $"{endpoint} did not answer within {Seconds(_options.Timeout)} at the {stage} stage.");
            case SslHandshakeException when log.CertificateRefusal is { } refusal:
                return F(refusal.Contains("name mismatch", StringComparison.Ordinal) ? MailFailure.CertificateNameMismatch : MailFailure.CertificateNotTrusted,
                    $"The TLS certificate of {endpoint} was refused: {refusal}.");
            case SslHandshakeException:
                return F(MailFailure.TlsHandshakeFailed, $"The TLS handshake with {endpoint} failed: {Innermost(e).Message}");
            case MailKit.Security.AuthenticationException:
            case MailKit.Net.Smtp.SmtpCommandException:
            case MailKit.Net.Imap.ImapCommandException:
                var (code, enhanced, text) = ParseReply(server, log.LastServerLine, e);
                if (log.Challenge is { } challenge) text = $"{text} (error challenge: {TranscriptRedaction.Redact(challenge)})".TrimStart();
                var what = stage == ConnectionTestStage.Authenticate ? $"AUTH {Mechanism}" : stage.ToString();
                return F(MailFailure.Rejected, $"The server answered {what} with {Reply(code, enhanced, text)}", code, enhanced, text);
            case NotSupportedException when stage == ConnectionTestStage.Tls || (stage == ConnectionTestStage.Connect && SecureSocketOptionsFor(server) == SecureSocketOptions.StartTls):
                return Fail(server, ConnectionTestStage.Tls, MailFailure.NotSupported, $"{endpoint} does not offer STARTTLS.", e, true, appOnly: appOnly);
            case NotSupportedException:
                return F(MailFailure.NotSupported, $"{endpoint}: {e.Message}");
            case SmtpProtocolException or ImapProtocolException or ServiceNotConnectedException when e.Message.Contains("disconnect", StringComparison.OrdinalIgnoreCase) || e is ServiceNotConnectedException:
                return F(MailFailure.ConnectionClosed, $"{endpoint} closed the connection at the {stage} stage.");
            case SmtpProtocolException or ImapProtocolException:
                return F(MailFailure.ProtocolViolation, $"{endpoint} broke the protocol at the {stage} stage: {e.Message}");
            case IOException or SocketException or ObjectDisposedException:
                return F(MailFailure.ConnectionClosed, $"{endpoint} closed the connection at the {stage} stage ({Innermost(e).Message}).");
            default:
                return F(MailFailure.ProtocolViolation, $"Unexpected failure at the {stage} stage with {endpoint}: {e.Message}");
        }
    }

    /// <summary>A negative SMTP reply (<paramref name="code"/> and its text, enhanced code included) to a command of
    /// <paramref name="stage"/>, as a <see cref="MailProtocolException"/> with an error id and a hint.</summary>
    public MailProtocolException Refused(MailServer server, ConnectionTestStage stage, int code, string text, bool appOnly = false,
        string? sender = null, string? recipient = null)
    {
        text = string.Join(" ", (text ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        string? enhanced = null;
        var m = EnhancedRegex().Match(text);
        if (m.Success && m.Value[0] - '0' == code / 100)
        {
            enhanced = m.Value;
            text = text[m.Length..].Trim();
        }
        return Fail(server, stage, MailFailure.Rejected, $"The server answered the {stage} step with {Reply(code, enhanced, text)}", null, true,
            code, enhanced, text, appOnly, sender, recipient);
    }

    MailProtocolException Fail(MailServer server, ConnectionTestStage stage, MailFailure failure, string message, Exception? inner, bool connected,
        int? code = null, string? enhanced = null, string? text = null, bool appOnly = false, string? sender = null, string? recipient = null)
    {
        var (id, hint) = ConnectionHints.Describe(new ConnectionFailureContext(server, stage, failure, connected, code, enhanced, text, appOnly,
            sender, recipient, _options.Timeout));
        return new MailProtocolException(failure, message, inner)
        {
            Stage = stage, ErrorId = id, Hint = hint, ReplyCode = code, EnhancedCode = enhanced, ServerText = text,
        };
    }

    /// <summary>Code, enhanced code (or IMAP response code) and text of the server's refusal: from the exception when MailKit
    /// kept them, else from the last server line of the transcript.</summary>
    static (int? Code, string? Enhanced, string? Text) ParseReply(MailServer server, string? lastLine, Exception e)
    {
        if (server.Direction == MailServerDirection.Outgoing)
        {
            int? code = e is MailKit.Net.Smtp.SmtpCommandException s ? (int)s.StatusCode : null;
            var text = e is MailKit.Net.Smtp.SmtpCommandException ? e.Message : null;
            var m = lastLine is null ? Match.Empty : SmtpLineRegex().Match(lastLine);
            if (m.Success && (code is null || code == int.Parse(m.Groups[1].Value)))
            {
                code = int.Parse(m.Groups[1].Value);
                text = m.Groups[2].Value;
            }
            text ??= e.Message;
            var enhanced = EnhancedRegex().Match(text);
            if (enhanced.Success && code is { } c && enhanced.Value[0] - '0' == c / 100)
                return (code, enhanced.Value, text[enhanced.Length..].Trim());
            return (code, null, text.Trim());
        }
        var line = lastLine is null ? Match.Empty : ImapLineRegex().Match(lastLine);
        if (!line.Success)
            return (null, null, e is MailKit.Net.Imap.ImapCommandException i ? $"{i.Response.ToString().ToUpperInvariant()} {i.ResponseText}".Trim() : e.Message);
        var status = line.Groups[1].Value.ToUpperInvariant();
        var responseCode = line.Groups[2].Success ? line.Groups[2].Value : null;
        var name = responseCode?.Split(' ')[0].ToUpperInvariant();
        return (null, name, $"{status} {(responseCode is null ? "" : $"[{responseCode}] ")}{line.Groups[3].Value}".Trim());
    }

    static string Reply(int? code, string? enhanced, string? text) =>
        string.Join(" ", new[] { code?.ToString(System.Globalization.CultureInfo.InvariantCulture), code is null ? null : enhanced, text }.Where(p => !string.IsNullOrEmpty(p)));

    [GeneratedRegex(@"^([2-5][0-9]{2})[ -]?(.*)$")]
    private static partial Regex SmtpLineRegex();

    [GeneratedRegex(@"^([245])\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})(?=\s|$)")]
    private static partial Regex EnhancedRegex();

    // "A00000003 NO [AUTHENTICATIONFAILED] Authentication failed." or "* BYE ..."
    [GeneratedRegex(@"^\S+\s+(OK|NO|BAD|BYE)\s*(?:\[([^\]]*)\])?\s*(.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex ImapLineRegex();

    /// <summary>A token that also cancels when the timeout has passed: one stage (connect, session, sign-in) gets the
    /// limit once, whatever number of round trips it takes.</summary>
    CancellationTokenSource Linked(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromMilliseconds(Math.Min(_options.Timeout.TotalMilliseconds, int.MaxValue - 1)));
        return cts;
    }

    /// <summary>MailKit reports its own timeout as IOException → TimeoutException → TaskCanceledException.</summary>
    static bool TimedOut(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is TimeoutException or SocketException { SocketErrorCode: SocketError.TimedOut }) return true;
        return false;
    }

    static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>"30 s" or "250 ms", for messages.</summary>
    public static string Seconds(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMilliseconds:0} ms";
}
