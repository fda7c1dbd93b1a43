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

    /// <summary>With a journal (<see cref="MailSendOptions.Journal"/>): a line saying why <paramref name="mail"/> is skipped
    /// when an earlier run recorded it as accepted, else null (it is recorded once it is accepted).</summary>
    public string? Journaled(MailRequest request, PreparedMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (_options.Journal is not { } journal) return null;
        mail.JournalKey = journal.KeyOf(request, mail);
        return journal.Contains(mail.JournalKey)
            ? $"Skipped {mail.MessageId} '{mail.Message.Subject}': the journal '{journal.Path}' records it as accepted by the server in an earlier run."
            : null;
    }

    /// <summary>Sends one message through its resolved server; throws <see cref="MailSendException"/> (refused,
    /// throttled, delivery unknown, connection failed) or <see cref="OAuthException"/> (no token).</summary>
    public async Task<MailSendResult> SendAsync(PreparedMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var server = mail.Resolution.Server ?? throw new MailSendException("NoServer", FailureKind.NotFound, mail.Resolution.Reason);
        var rate = _options.RateFor(server);
        var waited = await _pacer.WaitAsync(MailboxKey(server), rate, cancellationToken).ConfigureAwait(false);
        if (waited > TimeSpan.Zero) Log?.Invoke($"Waited {waited.TotalSeconds:0.#} s: '{server.Name}' sends at most {rate} messages per minute.");

        var first = await TransactionAsync(server, mail, mail.Recipients, cancellationToken).ConfigureAwait(false);
        var accepted = new List<string>(first.Accepted);
        var refused = new List<RefusedRecipient>();
        var pending = first.Refused;
        while (true)
        {
            // 452 "too many recipients" (RFC 5321 4.5.3.1.10): the rest go in a further transaction of the same message.
            var later = pending.Where(TooManyRecipients).ToList();
            refused.AddRange(pending.Except(later));
            if (later.Count == 0) break;
            Log?.Invoke($"'{server.Name}' took {accepted.Count} recipients of {mail.MessageId} and answered {later[0].StatusCode} {later[0].Reply} for {later.Count}: sending it to those in a further transaction.");
            var again = mail.Recipients.Where(r => later.Any(l => string.Equals(l.Address, r.Address, StringComparison.OrdinalIgnoreCase))).ToList();
            try
            {
                var next = await TransactionAsync(server, mail, again, cancellationToken).ConfigureAwait(false);
                accepted.AddRange(next.Accepted);
                pending = next.Refused;
            }
            catch (MailSendException e)
            {
                // The message already went to the others: these recipients alone are refused, with what the server said.
                refused.AddRange(later.Select(l => new RefusedRecipient(l.Address, e.StatusCode ?? l.StatusCode, e.ServerReply ?? e.Message)));
                break;
            }
        }
        var result = new MailSendResult
        {
            MessageId = mail.MessageId,
            Server = server.Name,
            From = mail.Resolution.From,
            FromRewritten = mail.Resolution.FromRewritten,
            Sender = mail.Resolution.Sender,
            EnvelopeFrom = mail.EnvelopeFrom.Address,
            Subject = mail.Message.Subject,
            Accepted = accepted,
            Refused = refused,
            Reply = first.Reply,
            SentOn = _clock.GetUtcNow(),
            ConfigPath = server.ConfigPath,
        };
        _options.Journal?.Record(mail.JournalKey, result);
        return result;
    }

    static bool TooManyRecipients(RefusedRecipient r) =>
        r.StatusCode == 452 && SendFailureHints.EnhancedCode(r.Reply) is null or "4.5.3";

    sealed record Transaction(string Reply, IReadOnlyList<string> Accepted, IReadOnlyList<RefusedRecipient> Refused);

    // One SMTP transaction (MAIL FROM, RCPT TO each recipient, DATA) of the message to these recipients.
    async Task<Transaction> TransactionAsync(OutgoingMailServer server, PreparedMail mail, IReadOnlyList<MimeKit.MailboxAddress> recipients, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var connection = await ConnectionAsync(server, mail.MessageId, cancellationToken).ConfigureAwait(false);
            var client = connection.Client;
            RefuseInternationalAddresses(client, server, mail, recipients);
            client.BeginMessage(recipients.Count);
            try
            {
                var reply = await client.SendAsync(_format, mail.Message, mail.EnvelopeFrom, recipients, cancellationToken).ConfigureAwait(false);
                return new Transaction(reply, client.Accepted.ToArray(), client.Refused.ToArray());
            }
            catch (MessageTooLargeException e)
            {
                // Measured before MAIL FROM: nothing was sent and the connection goes on.
                throw new MailSendException("MessageTooLarge", FailureKind.LimitsExceeded,
                    $"The message {mail.MessageId} is {e.Size:N0} bytes; '{server.Name}' ({server.Endpoint}) accepts at most {e.Limit:N0} bytes (the SIZE it advertises). Nothing was sent.",
                    SendFailureHints.TooLargeHint, statusCode: 552) { MessageId = mail.MessageId, Server = server.Name };
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
                if (client.SenderRefusal is { } sender)
                {
                    // MAIL FROM refused (too large, sender not allowed, throttled): its reply is the answer, not the
                    // "503 need MAIL command" every pipelined RCPT TO then gets.
                    (stage, code, text) = (ConnectionTestStage.Sender, (int)sender.StatusCode, sender.Response);
                }
                else if (client.Accepted.Count == 0 && client.Refused.Count > 0)
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
            catch (Exception e) when (AttachmentError(e) is { } unreadable)
            {
                // A local file failed, not the network: the server never got the end of the data, so nothing was delivered.
                Drop(server);
                throw new MailSendException("AttachmentUnreadable", FailureKind.Read,
                    $"{unreadable.Message} The message {mail.MessageId} was not sent.",
                    "Nothing was delivered (the server never got the end of the message). Check the file and the disk, then send the message again.",
                    inner: unreadable) { MessageId = mail.MessageId, Server = server.Name };
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
                // Anything else (MailKit refusing the message locally) left the session in an unknown state: this message
                // failed, the next one gets a new connection.
                Drop(server);
                throw new MailSendException("SendFailed", FailureKind.Connection, $"{mail.MessageId} was not sent: {e.Message}", inner: e)
                    { MessageId = mail.MessageId, Server = server.Name };
            }
        }
    }

    static AttachmentReadException? AttachmentError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is AttachmentReadException a) return a;
        return null;
    }

    // Without SMTPUTF8 (RFC 6531) a non-ASCII local part cannot be carried: the server would take it and the message
    // bounce later, or never arrive. Refused before sending. (A non-ASCII domain is fine: it goes as punycode.)
    static void RefuseInternationalAddresses(DeliveryClient client, OutgoingMailServer server, PreparedMail mail, IReadOnlyList<MimeKit.MailboxAddress> recipients)
    {
        if ((client.Capabilities & SmtpCapabilities.UTF8) != 0) return;
        var addresses = new[] { mail.EnvelopeFrom }.Concat(mail.Message.From.Mailboxes).Concat(recipients)
            .Select(m => m.Address).Where(a => !LocalPart(a).All(char.IsAscii)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (addresses.Count == 0) return;
        throw new MailSendException("SmtpUtf8NotSupported", FailureKind.NotSupported,
            $"'{server.Name}' ({server.Endpoint}) does not support SMTPUTF8, so it cannot carry {string.Join(", ", addresses)} (a local part that is not ASCII): the message {mail.MessageId} was not sent.",
            "Use the ASCII address of these mailboxes, or send through a server that advertises SMTPUTF8.") { MessageId = mail.MessageId, Server = server.Name };
    }

    static string LocalPart(string address) => address.LastIndexOf('@') is var at and > 0 ? address[..at] : address;

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
        _options.Journal?.Dispose();
    }
}
