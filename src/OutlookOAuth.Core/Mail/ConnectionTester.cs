using System.Diagnostics;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Security;

namespace OutlookOAuth.Mail;

/// <summary>
/// Odoo's "Test Connection", done properly, on MailKit through <see cref="MailClientConnector"/>: for an outgoing server
/// connect, STARTTLS, AUTH XOAUTH2 (reply checked), MAIL FROM (an address the FROM filter allows), RCPT TO, DATA expecting
/// 354 (sent through the protected SendCommandAsync of a small SmtpClient subclass), then the connection is closed so
/// nothing is sent; for an incoming server connect over TLS, AUTHENTICATE XOAUTH2, SELECT INBOX, LOGOUT. Every failure becomes a
/// <see cref="ConnectionTestResult"/> with the stage, codes, server text and a hint; only cancellation throws.
/// </summary>
public sealed class ConnectionTester
{
    readonly IAccessTokenProvider _tokens;
    readonly ConnectionTestOptions _options;
    readonly Lazy<MailClientConnector> _connector;

    public ConnectionTester(IAccessTokenProvider tokens, ConnectionTestOptions? options = null)
    {
        _tokens = tokens;
        _options = options ?? new ConnectionTestOptions();
        // Without an explicit trust the connector reads $env:OUTLOOKOAUTH_CA_FILE once, when the first test connects.
        _connector = new Lazy<MailClientConnector>(() => new MailClientConnector(new MailClientOptions { Timeout = _options.Timeout, Trust = _options.Trust }));
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

    /// <summary>The state of one test: stage clock, client, token and what the probe used.</summary>
    sealed class Run : IDisposable
    {
        readonly ConnectionTester _tester;
        readonly MailServer _server;
        readonly MailProtocolTranscript _log;
        readonly List<ConnectionTestStageTiming> _timings = new();
        readonly long _started = Stopwatch.GetTimestamp();
        MailService? _client;
        AccessToken? _token;
        string? _sender, _recipient, _tls, _summary;
        long? _messages;

        public Run(ConnectionTester tester, MailServer server, ITranscriptSink? transcript) =>
            (_tester, _server, _log) = (tester, server, MailClientConnector.CreateTranscript(server, transcript));

        public ConnectionTestStage Stage { get; private set; } = ConnectionTestStage.Token;

        MailClientConnector Connector => _tester._connector.Value;

        async Task Step(ConnectionTestStage stage, Func<Task> action)
        {
            Stage = stage;
            var t0 = Stopwatch.GetTimestamp();
            try { await action().ConfigureAwait(false); }
            catch (MailProtocolException e) when (e.Stage is { } s && s != stage)
            {
                Stage = s;
                throw;
            }
            finally
            {
                _timings.Add(new ConnectionTestStageTiming(stage, Stopwatch.GetElapsedTime(t0)));
            }
        }

        async Task<bool> TokenAsync(CancellationToken ct)
        {
            if (!_server.UsesOutlookOAuth) return false;
            await Step(ConnectionTestStage.Token, async () => _token = await Connector.GetAccessTokenAsync(_server, _tester._tokens, ct).ConfigureAwait(false)).ConfigureAwait(false);
            return true;
        }

        /// <summary>The Connect and Tls stages: TCP, then greeting, EHLO/CAPABILITY and TLS in MailKit's ConnectAsync. The
        /// time before STARTTLS counts for Connect, the rest for Tls (all of it for implicit TLS).</summary>
        async Task ConnectAsync(MailService client, CancellationToken ct)
        {
            _client = client;
            Connector.Configure(client, _log);
            Stage = ConnectionTestStage.Connect;
            var t0 = Stopwatch.GetTimestamp();
            Socket socket;
            try
            {
                socket = await Connector.OpenSocketAsync(_server, _log, ct).ConfigureAwait(false);
            }
            catch
            {
                _timings.Add(new ConnectionTestStageTiming(ConnectionTestStage.Connect, Stopwatch.GetElapsedTime(t0)));
                throw;
            }
            var implicitTls = MailClientConnector.SecureSocketOptionsFor(_server) == SecureSocketOptions.SslOnConnect;
            var tcp = Stopwatch.GetTimestamp();
            try
            {
                await Connector.StartSessionAsync(client, _server, socket, _log, ct).ConfigureAwait(false);
            }
            catch (MailProtocolException e) when (e.Stage is { } s)
            {
                Stage = s;
                throw;
            }
            finally
            {
                var end = Stopwatch.GetTimestamp();
                var split = implicitTls ? tcp : _log.StartTlsSentAt ?? end;
                _timings.Add(new ConnectionTestStageTiming(ConnectionTestStage.Connect, Stopwatch.GetElapsedTime(t0, split)));
                if (implicitTls || _log.StartTlsSentAt is not null)
                {
                    if (Stage == ConnectionTestStage.Connect) Stage = ConnectionTestStage.Tls;
                    _timings.Add(new ConnectionTestStageTiming(ConnectionTestStage.Tls, Stopwatch.GetElapsedTime(split, end)));
                }
            }
            if (client.IsSecure) _tls = client.SslProtocol.ToString();
        }

        async Task AuthenticateAsync(CancellationToken ct) =>
            await Step(ConnectionTestStage.Authenticate, () => Connector.AuthenticateAsync(_client!, _server, _token!, _log, ct)).ConfigureAwait(false);

        string SaslUser => MailClientConnector.SaslUser(_server, _token!);

        public async Task SmtpAsync(OutgoingMailServer server, CancellationToken ct)
        {
            var oauth = await TokenAsync(ct).ConfigureAwait(false);
            var smtp = new ProbeSmtpClient(_log);
            await ConnectAsync(smtp, ct).ConfigureAwait(false);
            if (!oauth) throw AuthenticationNotTested();
            try
            {
                await AuthenticateAsync(ct).ConfigureAwait(false);
                _sender = ProbeSender(server);
                _recipient = _tester._options.Recipient ?? server.Username;
                await Step(ConnectionTestStage.Sender, () => CommandAsync(smtp, $"MAIL FROM:<{CheckAddress(_sender)}>", 250, ct)).ConfigureAwait(false);
                await Step(ConnectionTestStage.Recipient, () => CommandAsync(smtp, $"RCPT TO:<{CheckAddress(_recipient)}>", 250, ct)).ConfigureAwait(false);
                await Step(ConnectionTestStage.Data, () => CommandAsync(smtp, "DATA", 354, ct)).ConfigureAwait(false);
            }
            catch (MailProtocolException e) when (e.Failure == MailFailure.Rejected)
            {
                // The server is responsive: end the session politely (best effort, never longer than a second).
                await QuitAsync(smtp, ct).ConfigureAwait(false);
                throw;
            }
            // In data mode QUIT or RSET would be message content: closing the connection abandons the transaction.
            _log.Info("354 received: closing the connection so that nothing is sent");
            _summary = $"XOAUTH2 accepted for '{SaslUser}'; MAIL FROM <{_sender}>, RCPT TO <{_recipient}> and DATA accepted; nothing was sent.";
        }

        /// <summary>One probe command through MailKit's protocol engine; a reply other than <paramref name="expected"/>
        /// (250 also accepts 251) is a refusal of the current stage.</summary>
        async Task CommandAsync(ProbeSmtpClient smtp, string command, int expected, CancellationToken ct)
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(_tester._options.Timeout);
            SmtpResponse response;
            try
            {
                response = await smtp.CommandAsync(command, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                throw Connector.Map(cts.IsCancellationRequested ? new TimeoutException(command.Split(' ')[0], e) : e, _server, Stage, _log,
                    _token?.AppOnly ?? false, _sender, _recipient);
            }
            var code = (int)response.StatusCode;
            if (code == expected || (expected == 250 && code == 251)) return;
            throw Connector.Refused(_server, Stage, code, response.Response, _token?.AppOnly ?? false, _sender, _recipient);
        }

        static async Task QuitAsync(MailService client, CancellationToken ct)
        {
            if (!client.IsConnected) return;
            using var quick = CancellationTokenSource.CreateLinkedTokenSource(ct);
            quick.CancelAfter(TimeSpan.FromSeconds(1));
            try { await client.DisconnectAsync(true, quick.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is not OutOfMemoryException) { }
        }

        static string CheckAddress(string address)
        {
            if (string.IsNullOrEmpty(address) || address.Any(c => char.IsControl(c) || c is '<' or '>' or ' '))
                throw new ArgumentException($"'{address}' is not a valid envelope address.", nameof(address));
            return address;
        }

        public async Task ImapAsync(IncomingMailServer server, CancellationToken ct)
        {
            var oauth = await TokenAsync(ct).ConfigureAwait(false);
            var imap = new ImapClient(_log);
            await ConnectAsync(imap, ct).ConfigureAwait(false);
            if (!oauth) throw AuthenticationNotTested();
            await AuthenticateAsync(ct).ConfigureAwait(false);
            await Step(ConnectionTestStage.Select, async () =>
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                cts.CancelAfter(_tester._options.Timeout);
                try
                {
                    await imap.Inbox.OpenAsync(FolderAccess.ReadWrite, cts.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (!ct.IsCancellationRequested)
                {
                    throw Connector.Map(cts.IsCancellationRequested ? new TimeoutException("SELECT", e) : e, _server, ConnectionTestStage.Select, _log, _token?.AppOnly ?? false);
                }
                _messages = imap.Inbox.Count;
            }).ConfigureAwait(false);
            await QuitAsync(imap, ct).ConfigureAwait(false);
            _summary = $"XOAUTH2 accepted for '{SaslUser}'; INBOX selected ({_messages} messages).";
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
                case OAuthException o:
                    return Result(false, o.Message, o.ErrorId, ConnectionHints.TokenHint(_server, o.Hint));
                case MailProtocolException m:
                    return Result(false, m.Message, m.ErrorId, m.Hint, m.ReplyCode, m.EnhancedCode, m.ServerText);
                case OutlookOAuthException o:
                    return Result(false, o.Message, o.ErrorId, o.Hint);
                default:
                    return Result(false, $"Unexpected error at the {Stage} stage: {e.Message}", Stage == ConnectionTestStage.Token ? "TokenError" : "UnexpectedError",
                        Stage == ConnectionTestStage.Token ? ConnectionHints.TokenHint(_server, null) : null);
            }
        }

        /// <summary>A password server: the test stops after TLS, since it cannot check a password login.</summary>
        OutlookOAuthException AuthenticationNotTested() =>
            new("AuthenticationNotTested", FailureKind.NotSupported,
                $"Connection and TLS work, but '{_server.Name}' uses password authentication, which this test does not check.",
                "Only Outlook OAuth (XOAUTH2) servers are tested completely; set the server's Authentication to outlook to test sign-in.");

        public void Dispose()
        {
            if (_client is null) _log.Dispose();
            else _client.Dispose(); // closes the connection (after 354: abandons the transaction) and the transcript
        }
    }

    /// <summary>MailKit's SMTP client with its protocol engine open for the probe's MAIL FROM, RCPT TO and DATA (SendAsync
    /// would send a message; the probe stops at 354).</summary>
    sealed class ProbeSmtpClient(IProtocolLogger log) : SmtpClient(log)
    {
        public Task<SmtpResponse> CommandAsync(string command, CancellationToken ct) => SendCommandAsync(command, ct);
    }
}
