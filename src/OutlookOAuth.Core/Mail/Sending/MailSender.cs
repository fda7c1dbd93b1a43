using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using SmtpCommandException = MailKit.Net.Smtp.SmtpCommandException;

namespace OutlookOAuth.Mail.Sending;

/// <summary>
/// Sends prepared messages, keeping one authenticated SMTP connection per server for the whole pipeline (a new one
/// when the server closed it or its token is about to expire) and pacing each mailbox to its messages per minute.
/// A message counts as sent only when the server accepted its data; a connection lost once the data may have been
/// sent is "delivery unknown" and never retried. Not thread-safe: one pipeline, one sender.
/// </summary>
public sealed class MailSender : IDisposable
{
    readonly IAccessTokenProvider _tokens;
    readonly MailClientConnector _connector;
    readonly ITranscriptSink? _transcript;
    readonly MailSendOptions _options;
    readonly TimeProvider _clock;
    readonly SendPacer _pacer;
    readonly Dictionary<string, Connection> _connections = new(StringComparer.Ordinal);
    readonly FormatOptions _format;

    sealed class Connection(DeliveryClient client, AccessToken? token)
    {
        public DeliveryClient Client { get; } = client;
        public AccessToken? Token { get; } = token;
    }

    /// <param name="tokens">Access tokens (the token store's provider: refreshed near expiry).</param>
    /// <param name="connector">Opens the authenticated connections (TLS, certificate trust, timeouts, XOAUTH2).</param>
    /// <param name="transcript">Receives the redacted protocol transcript (message content as a byte count).</param>
    public MailSender(IAccessTokenProvider tokens, MailClientConnector? connector = null, MailSendOptions? options = null,
        ITranscriptSink? transcript = null, TimeProvider? clock = null)
    {
        _tokens = tokens;
        _connector = connector ?? new MailClientConnector();
        _transcript = transcript;
        _options = options ?? new MailSendOptions();
        _clock = clock ?? TimeProvider.System;
        _pacer = new SendPacer(_clock);
        _format = FormatOptions.Default.Clone();
        _format.HiddenHeaders.Add(HeaderId.Bcc);
        _format.HiddenHeaders.Add(HeaderId.ResentBcc);
    }

    /// <summary>Authenticated connections opened so far (a pipeline over one server opens one).</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>Called with a line about connections and pacing (the cmdlet writes it to the verbose stream).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Sends one message through its resolved server; throws <see cref="MailSendException"/> (refused,
    /// throttled, delivery unknown, connection failed) or <see cref="OAuthException"/> (no token).</summary>
    public async Task<MailSendResult> SendAsync(PreparedMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var server = mail.Resolution.Server ?? throw new MailSendException("NoServer", FailureKind.NotFound, mail.Resolution.Reason);
        var rate = _options.RateFor(server);
        var waited = await _pacer.WaitAsync(MailboxKey(server), rate, cancellationToken).ConfigureAwait(false);
        if (waited > TimeSpan.Zero) Log?.Invoke($"Waited {waited.TotalSeconds:0.#} s: '{server.Name}' sends at most {rate} messages per minute.");

        for (var attempt = 1; ; attempt++)
        {
            var connection = await ConnectionAsync(server, mail.MessageId, cancellationToken).ConfigureAwait(false);
            var client = connection.Client;
            client.BeginMessage(mail.Recipients.Count);
            try
            {
                var reply = await client.SendAsync(_format, mail.Message, mail.EnvelopeFrom, mail.Recipients, cancellationToken).ConfigureAwait(false);
                return new MailSendResult
                {
                    MessageId = mail.MessageId,
                    Server = server.Name,
                    From = mail.Resolution.From,
                    FromRewritten = mail.Resolution.FromRewritten,
                    Sender = mail.Resolution.Sender,
                    EnvelopeFrom = mail.EnvelopeFrom.Address,
                    Subject = mail.Message.Subject,
                    Accepted = client.Accepted.ToArray(),
                    Refused = client.Refused.ToArray(),
                    Reply = reply,
                    SentOn = _clock.GetUtcNow(),
                    ConfigPath = server.ConfigPath,
                };
            }
            catch (SmtpCommandException e) when (e.StatusCode == SmtpStatusCode.ServiceNotAvailable && !client.DataMayHaveBeenSent && attempt == 1)
            {
                // 421 before the data (an idle connection the server is closing): nothing was delivered, open a new one.
                Drop(server);
                Log?.Invoke($"'{server.Name}' is closing the connection ({(int)e.StatusCode} {e.Message}); reconnecting.");
            }
            catch (SmtpCommandException e)
            {
                if (e.StatusCode == SmtpStatusCode.ServiceNotAvailable) Drop(server);
                var stage = e.ErrorCode switch
                {
                    SmtpErrorCode.SenderNotAccepted => ConnectionTestStage.Sender,
                    SmtpErrorCode.RecipientNotAccepted => ConnectionTestStage.Recipient,
                    _ => ConnectionTestStage.Data,
                };
                var text = e.Message;
                var code = (int)e.StatusCode;
                if (client.Accepted.Count == 0 && client.Refused.Count > 0)
                {
                    // Every RCPT TO was refused (MailKit then reports "no recipients"): the recipients' replies say why;
                    // Postfix refuses a sender the login does not own here too (smtpd_delay_reject).
                    stage = ConnectionTestStage.Recipient;
                    code = client.Refused[0].StatusCode;
                    text = string.Join("; ", client.Refused.Select(r => r.Reply).Distinct());
                }
                throw SendFailureHints.Refusal(server, stage, code, text, mail.EnvelopeFrom.Address,
                    client.Refused.FirstOrDefault()?.Address, connection.Token?.AppOnly ?? false, mail.MessageId);
            }
            catch (Exception e) when (IsConnectionLoss(e))
            {
                var dataSent = client.DataMayHaveBeenSent;
                Drop(server);
                if (dataSent)
                    throw new MailSendException("DeliveryUnknown", FailureKind.Connection,
                        $"The connection to '{server.Name}' ({server.Endpoint}) was lost after the message data was sent, before the server confirmed it: " +
                        $"the message {mail.MessageId} may or may not have been delivered ({e.Message}).",
                        $"It was not sent again, to avoid a duplicate. Check the recipient's mailbox or the Sent Items of {server.Username} for Message-Id {mail.MessageId} before sending it again.",
                        inner: e) { MessageId = mail.MessageId, Server = server.Name };
                if (attempt >= 2)
                    throw new MailSendException("ConnectionLost", FailureKind.Connection,
                        $"The connection to '{server.Name}' ({server.Endpoint}) was lost before the message was sent: {e.Message}",
                        "Nothing was delivered. Check the network and the server, then send the message again.", inner: e) { MessageId = mail.MessageId, Server = server.Name };
                // The server closed an idle connection before this message's data: nothing was delivered, open a new one.
                Log?.Invoke($"'{server.Name}' closed the connection ({e.Message}); reconnecting.");
            }
            catch (OperationCanceledException)
            {
                Drop(server);
                throw;
            }
            catch (Exception e)
            {
                // Anything else (MailKit refusing the message locally, an attachment that vanished) left the session in an
                // unknown state: this message failed, the next one gets a new connection.
                Drop(server);
                throw new MailSendException("SendFailed", FailureKind.Connection, $"{mail.MessageId} was not sent: {e.Message}", inner: e)
                    { MessageId = mail.MessageId, Server = server.Name };
            }
        }
    }

    static bool IsConnectionLoss(Exception e) =>
        e is IOException or SocketException or TimeoutException or ServiceNotConnectedException or SmtpProtocolException or ObjectDisposedException;

    static string MailboxKey(OutgoingMailServer server) => $"{server.HostName}\n{server.Username}";

    static string ConnectionKey(OutgoingMailServer server) => $"{server.ConfigPath}\n{server.Name}";

    async Task<Connection> ConnectionAsync(OutgoingMailServer server, string messageId, CancellationToken cancellationToken)
    {
        var key = ConnectionKey(server);
        if (_connections.TryGetValue(key, out var existing))
        {
            var expiring = existing.Token is { } t && t.ExpiresOn - _clock.GetUtcNow() < _options.TokenRefreshMargin;
            if (existing.Client.IsConnected && !expiring) return existing;
            if (expiring) Log?.Invoke($"The token of '{server.Name}' expires at {existing.Token!.ExpiresOn:u}: reconnecting with a fresh one.");
            Drop(server);
        }
        if (!server.UsesOutlookOAuth)
            throw new MailSendException("PasswordAuthenticationNotSupported", FailureKind.Authentication,
                $"'{server.Name}' uses password authentication; the module sends through Outlook OAuth (XOAUTH2) servers only.",
                $"Set-OutlookMailServer -Name '{server.Name}' -Authentication Outlook, then connect its account.") { MessageId = messageId, Server = server.Name };
        var connection = await ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        _connections[key] = connection;
        ConnectionsOpened++;
        return connection;
    }

    // The connector's steps (token, TCP, TLS, XOAUTH2) with our client class; the token is kept to know when it expires.
    async Task<Connection> ConnectAsync(OutgoingMailServer server, CancellationToken cancellationToken)
    {
        var token = await _connector.GetAccessTokenAsync(server, _tokens, cancellationToken).ConfigureAwait(false);
        var log = MailClientConnector.CreateTranscript(server, _transcript);
        var client = new DeliveryClient(log);
        try
        {
            _connector.Configure(client, log);
            var socket = await _connector.OpenSocketAsync(server, log, cancellationToken).ConfigureAwait(false);
            await _connector.StartSessionAsync(client, server, socket, log, cancellationToken).ConfigureAwait(false);
            await _connector.AuthenticateAsync(client, server, token, log, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        Log?.Invoke($"Connected to '{server.Name}' ({server.Endpoint}) as {MailClientConnector.SaslUser(server, token)}{(token.AppOnly ? " (app-only token)" : "")}.");
        return new Connection(client, token);
    }

    void Drop(OutgoingMailServer server)
    {
        if (!_connections.Remove(ConnectionKey(server), out var c)) return;
        try { if (c.Client.IsConnected) c.Client.Disconnect(false); } catch (Exception) { /* already gone */ }
        c.Client.Dispose();
    }

    /// <summary>Says QUIT on every connection.</summary>
    public void Dispose()
    {
        foreach (var c in _connections.Values)
        {
            try { if (c.Client.IsConnected) c.Client.Disconnect(true); } catch (Exception) { /* closing anyway */ }
            c.Client.Dispose();
        }
        _connections.Clear();
    }
}
