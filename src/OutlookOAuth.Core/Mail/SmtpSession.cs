using System.Net;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Mail;

/// <summary>
/// An SMTP client session (RFC 5321 with STARTTLS RFC 3207, AUTH RFC 4954 and enhanced status codes RFC 2034):
/// greeting, EHLO, STARTTLS, AUTH XOAUTH2 (its reply is checked), MAIL/RCPT/DATA with dot-stuffing, RSET, QUIT.
/// Each method checks the reply and throws <see cref="SmtpCommandException"/> on an unexpected one.
/// </summary>
public sealed class SmtpSession : IAsyncDisposable
{
    const int MaxReplyLines = 1000;
    readonly Dictionary<string, string> _capabilities = new(StringComparer.OrdinalIgnoreCase);

    public SmtpSession(MailConnection connection) => Connection = connection;

    public MailConnection Connection { get; }
    public SmtpReply? Greeting { get; private set; }
    /// <summary>EHLO keywords (upper case) with their parameters, from the last EHLO.</summary>
    public IReadOnlyDictionary<string, string> Capabilities => _capabilities;
    public bool InDataMode { get; private set; }

    /// <summary>Connects, secures (implicit TLS for <see cref="SmtpEncryption.Ssl"/>, STARTTLS for
    /// <see cref="SmtpEncryption.StartTls"/>) and says EHLO: ready for AUTH.</summary>
    public static async Task<SmtpSession> ConnectAsync(string host, int port, SmtpEncryption encryption, MailConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var connection = await MailConnection.OpenAsync(host, port, options, cancellationToken).ConfigureAwait(false);
        var session = new SmtpSession(connection);
        try
        {
            if (encryption == SmtpEncryption.Ssl) await connection.StartTlsAsync(cancellationToken).ConfigureAwait(false);
            await session.ReadGreetingAsync(cancellationToken).ConfigureAwait(false);
            await session.EhloAsync(null, cancellationToken).ConfigureAwait(false);
            if (encryption == SmtpEncryption.StartTls)
            {
                await session.StartTlsAsync(cancellationToken).ConfigureAwait(false);
                await session.EhloAsync(null, cancellationToken).ConfigureAwait(false);
            }
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public bool Supports(string keyword) => _capabilities.ContainsKey(keyword);

    public bool SupportsAuthentication(string mechanism) =>
        _capabilities.TryGetValue("AUTH", out var mechanisms) &&
        mechanisms.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(mechanism, StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads a reply, multi-line included.</summary>
    public async Task<SmtpReply> ReadReplyAsync(CancellationToken cancellationToken = default)
    {
        var lines = new List<string>(1);
        while (true)
        {
            var line = await Connection.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            lines.Add(line);
            if (!SmtpReply.ParseLine(line).More) break;
            if (lines.Count >= MaxReplyLines)
                throw new MailProtocolException(MailFailure.ProtocolViolation, $"{Connection.Endpoint} sent a reply of more than {MaxReplyLines} lines.");
        }
        return SmtpReply.Parse(lines);
    }

    /// <summary>Sends a command and reads its reply (no check).</summary>
    public async Task<SmtpReply> CommandAsync(string line, string? transcript = null, CancellationToken cancellationToken = default)
    {
        await Connection.WriteLineAsync(line, transcript, cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<SmtpReply> ReadGreetingAsync(CancellationToken cancellationToken = default)
    {
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        Greeting = reply;
        return reply.Code == 220 ? reply : throw new SmtpCommandException("the connection (greeting)", reply);
    }

    /// <summary>EHLO with <paramref name="clientName"/> (default: the address literal of the local end).</summary>
    public async Task<SmtpReply> EhloAsync(string? clientName = null, CancellationToken cancellationToken = default)
    {
        clientName ??= AddressLiteral(Connection.LocalEndPoint);
        var reply = await CommandAsync("EHLO " + clientName, null, cancellationToken).ConfigureAwait(false);
        if (reply.Code != 250) throw new SmtpCommandException("EHLO", reply);
        _capabilities.Clear();
        foreach (var line in reply.Lines.Skip(1))
        {
            var space = line.IndexOf(' ');
            var keyword = (space < 0 ? line : line[..space]).Trim();
            if (keyword.Length > 0) _capabilities[keyword] = space < 0 ? "" : line[(space + 1)..].Trim();
        }
        return reply;
    }

    /// <summary>STARTTLS and the TLS handshake. EHLO must be sent again afterwards (capabilities are cleared).</summary>
    public async Task StartTlsAsync(CancellationToken cancellationToken = default)
    {
        if (!Supports("STARTTLS"))
            throw new MailProtocolException(MailFailure.NotSupported, $"{Connection.Endpoint} does not offer STARTTLS.");
        var reply = await CommandAsync("STARTTLS", null, cancellationToken).ConfigureAwait(false);
        if (reply.Code != 220) throw new SmtpCommandException("STARTTLS", reply);
        await Connection.StartTlsAsync(cancellationToken).ConfigureAwait(false);
        _capabilities.Clear();
    }

    /// <summary>AUTH XOAUTH2 with the initial response; 235 expected. A 334 error challenge is answered with an
    /// empty line and the final reply is thrown (with the decoded challenge).</summary>
    public async Task<SmtpReply> AuthenticateXOAuth2Async(string username, string accessToken, CancellationToken cancellationToken = default)
    {
        if (!Connection.IsEncrypted)
            throw new MailProtocolException(MailFailure.NotSupported, $"Refusing to send a bearer token to {Connection.Endpoint} over an unencrypted connection.");
        if (!SupportsAuthentication(XOAuth2.Mechanism))
            throw new MailProtocolException(MailFailure.NotSupported,
                $"{Connection.Endpoint} does not offer AUTH XOAUTH2 (offered: {(_capabilities.TryGetValue("AUTH", out var m) && m.Length > 0 ? m : "no AUTH at all")}).");
        var response = XOAuth2.InitialResponse(username, accessToken);
        Connection.AddSecret(accessToken);
        Connection.AddSecret(response);
        var reply = await CommandAsync("AUTH XOAUTH2 " + response, "AUTH XOAUTH2 " + TranscriptRedaction.Mask, cancellationToken).ConfigureAwait(false);
        string? challenge = null;
        if (reply.Code == 334)
        {
            challenge = XOAuth2.DecodeChallenge(reply.Text);
            if (challenge is not null) Connection.Info($"error challenge: {TranscriptRedaction.Printable(challenge)}");
            reply = await CommandAsync("", null, cancellationToken).ConfigureAwait(false);
        }
        return reply.Code == 235 ? reply : throw new SmtpCommandException("AUTH XOAUTH2", reply, challenge);
    }

    public async Task<SmtpReply> MailFromAsync(string address, CancellationToken cancellationToken = default)
    {
        var reply = await CommandAsync($"MAIL FROM:<{CheckAddress(address)}>", null, cancellationToken).ConfigureAwait(false);
        return reply.Code == 250 ? reply : throw new SmtpCommandException("MAIL FROM", reply);
    }

    public async Task<SmtpReply> RcptToAsync(string address, CancellationToken cancellationToken = default)
    {
        var reply = await CommandAsync($"RCPT TO:<{CheckAddress(address)}>", null, cancellationToken).ConfigureAwait(false);
        return reply.Code is 250 or 251 ? reply : throw new SmtpCommandException("RCPT TO", reply);
    }

    /// <summary>DATA; 354 expected. The session is then in data mode: send the content with
    /// <see cref="SendDataAsync"/>, or close the connection to abandon the transaction without sending.</summary>
    public async Task<SmtpReply> DataAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CommandAsync("DATA", null, cancellationToken).ConfigureAwait(false);
        if (reply.Code != 354) throw new SmtpCommandException("DATA", reply);
        InDataMode = true;
        return reply;
    }

    /// <summary>Sends the message content (dot-stuffed, CRLF line ends) and the terminating dot; 250 expected.</summary>
    public async Task<SmtpReply> SendDataAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (!InDataMode) throw new InvalidOperationException("DATA has not been accepted.");
        var encoded = SmtpData.Encode(message.Span);
        Connection.Info($"message content: {encoded.Length} bytes (not shown)");
        await Connection.WriteAsync(encoded, cancellationToken).ConfigureAwait(false);
        InDataMode = false;
        var reply = await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
        return reply.Code == 250 ? reply : throw new SmtpCommandException("the message content", reply);
    }

    /// <summary>MAIL FROM, RCPT TO for each recipient, DATA and the content. Returns the final 250 reply.</summary>
    public async Task<SmtpReply> SendMessageAsync(string sender, IEnumerable<string> recipients, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        await MailFromAsync(sender, cancellationToken).ConfigureAwait(false);
        var any = false;
        foreach (var recipient in recipients)
        {
            await RcptToAsync(recipient, cancellationToken).ConfigureAwait(false);
            any = true;
        }
        if (!any) throw new ArgumentException("A message needs at least one recipient.", nameof(recipients));
        await DataAsync(cancellationToken).ConfigureAwait(false);
        return await SendDataAsync(message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SmtpReply> RsetAsync(CancellationToken cancellationToken = default)
    {
        var reply = await CommandAsync("RSET", null, cancellationToken).ConfigureAwait(false);
        return reply.Code == 250 ? reply : throw new SmtpCommandException("RSET", reply);
    }

    /// <summary>QUIT; 221 expected. Not possible in data mode (the line would be message content).</summary>
    public async Task<SmtpReply> QuitAsync(CancellationToken cancellationToken = default)
    {
        if (InDataMode) throw new InvalidOperationException("QUIT cannot be sent in data mode; close the connection instead.");
        var reply = await CommandAsync("QUIT", null, cancellationToken).ConfigureAwait(false);
        return reply.Code == 221 ? reply : throw new SmtpCommandException("QUIT", reply);
    }

    static string CheckAddress(string address)
    {
        if (string.IsNullOrEmpty(address) || address.Any(c => char.IsControl(c) || c is '<' or '>' or ' '))
            throw new ArgumentException($"'{address}' is not a valid envelope address.", nameof(address));
        return address;
    }

    /// <summary>"[192.0.2.1]" or "[IPv6:...]" (RFC 5321 §4.1.3), a valid EHLO argument without DNS.</summary>
    public static string AddressLiteral(EndPoint? local) => local switch
    {
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => $"[{ip.Address.MapToIPv4()}]",
        IPEndPoint { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ip => $"[IPv6:{new IPAddress(ip.Address.GetAddressBytes())}]",
        IPEndPoint ip => $"[{ip.Address}]",
        _ => "[127.0.0.1]",
    };

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
