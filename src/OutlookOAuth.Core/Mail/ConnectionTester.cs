using System.Diagnostics;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Security;

namespace OutlookOAuth.Mail;

public sealed class ConnectionTestOptions
{
    /// <summary>Limit of each network step and of getting the token.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>RCPT TO of the SMTP probe; default: the server's username.</summary>
    public string? Recipient { get; init; }
    /// <summary>Certificate trust; default: system roots plus $env:OUTLOOKOAUTH_CA_FILE (read once per tester).</summary>
    public CertificateTrust? Trust { get; init; }
}

/// <summary>
/// Odoo's "Test Connection", done properly: for an outgoing server connect, STARTTLS, AUTH XOAUTH2 (reply checked),
/// MAIL FROM (an address the FROM filter allows), RCPT TO, DATA expecting 354, then the connection is closed so nothing
/// is sent; for an incoming server connect over TLS, AUTHENTICATE XOAUTH2, SELECT INBOX, LOGOUT. Every failure becomes a
/// <see cref="ConnectionTestResult"/> with the stage, codes, server text and a hint; only cancellation throws.
/// </summary>
public sealed class ConnectionTester
{
    readonly IAccessTokenProvider _tokens;
    readonly ConnectionTestOptions _options;
    readonly Lazy<CertificateTrust> _trust;

    public ConnectionTester(IAccessTokenProvider tokens, ConnectionTestOptions? options = null)
    {
        _tokens = tokens;
        _options = options ?? new ConnectionTestOptions();
        _trust = new Lazy<CertificateTrust>(() => _options.Trust ?? CertificateTrust.FromEnvironment());
    }

    public ConnectionTestOptions Options => _options;

    /// <summary>The MAIL FROM of the probe: the first full address of the FROM filter, else the username.</summary>
    public static string ProbeSender(OutgoingMailServer server) =>
        MailSyntax.SplitFilter(server.FromFilter).FirstOrDefault(e => e.Contains('@')) ?? server.Username;

    public async Task<ConnectionTestResult> TestAsync(MailServer server, ITranscriptSink? transcript = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        var run = new Run(this, server, transcript);
        try
        {
            await (server is OutgoingMailServer o ? run.SmtpAsync(o, cancellationToken) : run.ImapAsync((IncomingMailServer)server, cancellationToken)).ConfigureAwait(false);
            return run.Success();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return run.Failure(e);
        }
        finally
        {
            run.Dispose();
        }
    }

    /// <summary>The state of one test: stage clock, connection, token and what the probe used.</summary>
    sealed class Run : IDisposable
    {
        readonly ConnectionTester _tester;
        readonly MailServer _server;
        readonly ITranscriptSink? _transcript;
        readonly List<ConnectionTestStageTiming> _timings = new();
        readonly long _started = Stopwatch.GetTimestamp();
        MailConnection? _connection;
        AccessToken? _token;
        string? _sender, _recipient, _tls, _summary;
        long? _messages;

        public Run(ConnectionTester tester, MailServer server, ITranscriptSink? transcript) => (_tester, _server, _transcript) = (tester, server, transcript);

        public ConnectionTestStage Stage { get; private set; } = ConnectionTestStage.Token;

        MailConnectionOptions ConnectionOptions => new() { Timeout = _tester._options.Timeout, Trust = _tester._trust.Value, Transcript = _transcript };

        async Task Step(ConnectionTestStage stage, Func<Task> action)
        {
            Stage = stage;
            var t0 = Stopwatch.GetTimestamp();
            try { await action().ConfigureAwait(false); }
            finally
            {
                _timings.Add(new ConnectionTestStageTiming(stage, Stopwatch.GetElapsedTime(t0)));
                if (_connection?.TlsProtocol is { } p) _tls = p.ToString();
            }
        }

        async Task<bool> TokenAsync(CancellationToken ct)
        {
            if (!_server.UsesOutlookOAuth) return false;
            await Step(ConnectionTestStage.Token, async () =>
            {
                var token = await _tester._tokens.GetAccessTokenAsync(_server, ct).WaitAsync(_tester._options.Timeout, ct).ConfigureAwait(false);
                if (string.IsNullOrWhiteSpace(token.Value))
                    throw new OAuthException("EmptyAccessToken", $"The token provider returned no access token for '{_server.Name}'.");
                _token = token;
            }).ConfigureAwait(false);
            return true;
        }

        async Task OpenAsync(CancellationToken ct) =>
            _connection = await MailConnection.OpenAsync(_server.HostName, _server.Port, ConnectionOptions, ct).ConfigureAwait(false);

        string SaslUser => string.IsNullOrWhiteSpace(_token!.Username) ? _server.Username : _token.Username;

        public async Task SmtpAsync(OutgoingMailServer server, CancellationToken ct)
        {
            var oauth = await TokenAsync(ct).ConfigureAwait(false);
            SmtpSession? smtp = null;
            await Step(ConnectionTestStage.Connect, async () =>
            {
                await OpenAsync(ct).ConfigureAwait(false);
                smtp = new SmtpSession(_connection!);
                if (server.Encryption == SmtpEncryption.Ssl) return;
                await smtp.ReadGreetingAsync(ct).ConfigureAwait(false);
                await smtp.EhloAsync(null, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
            if (server.Encryption != SmtpEncryption.None)
                await Step(ConnectionTestStage.Tls, async () =>
                {
                    if (server.Encryption == SmtpEncryption.Ssl)
                    {
                        await _connection!.StartTlsAsync(ct).ConfigureAwait(false);
                        await smtp!.ReadGreetingAsync(ct).ConfigureAwait(false);
                    }
                    else await smtp!.StartTlsAsync(ct).ConfigureAwait(false);
                    await smtp.EhloAsync(null, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            if (!oauth) throw new AuthenticationNotTestedException();
            try
            {
                await Step(ConnectionTestStage.Authenticate, () => smtp!.AuthenticateXOAuth2Async(SaslUser, _token!.Value, ct)).ConfigureAwait(false);
                _sender = ProbeSender(server);
                _recipient = _tester._options.Recipient ?? server.Username;
                await Step(ConnectionTestStage.Sender, () => smtp!.MailFromAsync(_sender, ct)).ConfigureAwait(false);
                await Step(ConnectionTestStage.Recipient, () => smtp!.RcptToAsync(_recipient, ct)).ConfigureAwait(false);
                await Step(ConnectionTestStage.Data, () => smtp!.DataAsync(ct)).ConfigureAwait(false);
            }
            catch (SmtpCommandException)
            {
                // The server is responsive: end the session politely (best effort, never longer than a second).
                using var quick = CancellationTokenSource.CreateLinkedTokenSource(ct);
                quick.CancelAfter(TimeSpan.FromSeconds(1));
                try { await smtp!.QuitAsync(quick.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is MailProtocolException or OperationCanceledException) { }
                throw;
            }
            // In data mode QUIT or RSET would be message content: closing the connection abandons the transaction.
            _connection!.Info("354 received: closing the connection so that nothing is sent");
            _summary = $"XOAUTH2 accepted for '{SaslUser}'; MAIL FROM <{_sender}>, RCPT TO <{_recipient}> and DATA accepted; nothing was sent.";
        }

        public async Task ImapAsync(IncomingMailServer server, CancellationToken ct)
        {
            var oauth = await TokenAsync(ct).ConfigureAwait(false);
            ImapSession? imap = null;
            await Step(ConnectionTestStage.Connect, async () =>
            {
                await OpenAsync(ct).ConfigureAwait(false);
                imap = new ImapSession(_connection!);
                if (server.Ssl) return;
                await imap.ReadGreetingAsync(ct).ConfigureAwait(false);
                await imap.CapabilityAsync(ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
            await Step(ConnectionTestStage.Tls, async () =>
            {
                if (server.Ssl)
                {
                    await _connection!.StartTlsAsync(ct).ConfigureAwait(false);
                    await imap!.ReadGreetingAsync(ct).ConfigureAwait(false);
                    if (imap.Capabilities.Count == 0) await imap.CapabilityAsync(ct).ConfigureAwait(false);
                }
                else await imap!.StartTlsAsync(ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
            if (!oauth) throw new AuthenticationNotTestedException();
            await Step(ConnectionTestStage.Authenticate, () => imap!.AuthenticateXOAuth2Async(SaslUser, _token!.Value, ct)).ConfigureAwait(false);
            ImapMailbox? inbox = null;
            await Step(ConnectionTestStage.Select, async () => inbox = await imap!.SelectAsync("INBOX", ct).ConfigureAwait(false)).ConfigureAwait(false);
            _messages = inbox!.Exists;
            using (var quick = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                quick.CancelAfter(TimeSpan.FromSeconds(1));
                try { await imap!.LogoutAsync(quick.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is MailProtocolException or OperationCanceledException) { }
            }
            _summary = $"XOAUTH2 accepted for '{SaslUser}'; INBOX selected ({inbox.Exists} messages).";
        }

        ConnectionTestResult Result(bool success, string message, string? errorId = null, string? hint = null,
            int? replyCode = null, string? enhanced = null, string? serverText = null) => new()
        {
            Name = _server.Name, Direction = _server.Direction, HostName = _server.HostName, Port = _server.Port,
            Username = _server.Username, Success = success, Stage = Stage, ErrorId = errorId, ReplyCode = replyCode,
            EnhancedCode = enhanced, ServerText = serverText, Message = message, Hint = hint,
            StageDurations = _timings.ToArray(), Duration = Stopwatch.GetElapsedTime(_started),
            TokenExpiresOn = _token?.ExpiresOn, Sender = _sender, Recipient = _recipient, MessageCount = _messages,
            TlsProtocol = _tls, ConfigPath = _server.ConfigPath,
        };

        public ConnectionTestResult Success() => Result(true, _summary ?? "Connection test successful.");

        public ConnectionTestResult Failure(Exception e)
        {
            switch (e)
            {
                case AuthenticationNotTestedException:
                    return Result(false, $"Connection and TLS work, but '{_server.Name}' uses password authentication, which this test does not check.",
                        "AuthenticationNotTested", "Only Outlook OAuth (XOAUTH2) servers are tested completely; set the server's Authentication to outlook to test sign-in.");
                case OAuthException o:
                    return Result(false, o.Message, o.ErrorId, ConnectionHints.TokenHint(_server, o.Hint));
                case TimeoutException when Stage == ConnectionTestStage.Token:
                    return Result(false, $"The token provider did not answer within {MailConnection.Seconds(_tester._options.Timeout)}.", "TokenTimeout",
                        "Check that this machine reaches the Entra token endpoint (login.microsoftonline.com) and retry.");
                case MailProtocolException m:
                    int? code = null;
                    string? enhanced = null, text = null, challenge = null;
                    if (m is SmtpCommandException s) (code, enhanced, text, challenge) = (s.Reply.Code, s.Reply.EnhancedCode, s.Reply.Text, s.Challenge);
                    if (m is ImapCommandException i)
                    {
                        enhanced = i.Response.ResponseCodeName;
                        text = $"{i.Response.Status.ToString().ToUpperInvariant()} {(i.Response.ResponseCode is null ? "" : $"[{i.Response.ResponseCode}] ")}{i.Response.Text}".TrimEnd();
                        challenge = i.Challenge;
                    }
                    if (challenge is not null) text = $"{text} (error challenge: {TranscriptRedaction.Redact(challenge)})".TrimStart();
                    var context = new ConnectionFailureContext(_server, Stage, m.Failure, _connection is not null, code, enhanced, text,
                        _token?.AppOnly ?? false, _sender, _recipient, _tester._options.Timeout);
                    var (id, hint) = ConnectionHints.Describe(context);
                    return Result(false, m.Message, id, hint, code, enhanced, text);
                default:
                    return Result(false, $"Unexpected error at the {Stage} stage: {e.Message}", Stage == ConnectionTestStage.Token ? "TokenError" : "UnexpectedError",
                        Stage == ConnectionTestStage.Token ? ConnectionHints.TokenHint(_server, null) : null);
            }
        }

        public void Dispose() => _connection?.Dispose();
    }

    sealed class AuthenticationNotTestedException : Exception;
}
