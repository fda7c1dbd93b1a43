using System.Diagnostics;
using System.Security.Authentication;
using System.Text;
using OutlookOAuth.Mail;
using OutlookOAuth.Security;
using Xunit;

namespace OutlookOAuth.Tests.Mail;

/// <summary>The connection layer against socket fixtures: every failure is classified and nothing can hang.</summary>
public class MailConnectionTests
{
    static MailConnectionOptions Options(double seconds = 5, CertificateTrust? trust = null, int maxLine = 64 * 1024, ITranscriptSink? transcript = null) =>
        new() { Timeout = TimeSpan.FromSeconds(seconds), Trust = trust ?? TestCertificates.Trust, MaxLineLength = maxLine, Transcript = transcript };

    [Fact]
    public async Task Refused_connection()
    {
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => MailConnection.OpenAsync("127.0.0.1", ScriptedServer.UnusedPort(), Options()));
        Assert.Equal(MailFailure.ConnectionRefused, e.Failure);
    }

    [Fact]
    public async Task Unknown_host()
    {
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => MailConnection.OpenAsync("no-such-host.outlookoauth.invalid", 587, Options()));
        Assert.Equal(MailFailure.HostNotFound, e.Failure);
        Assert.Contains("no-such-host.outlookoauth.invalid", e.Message);
    }

    [Fact]
    public async Task A_silent_server_times_out_within_the_limit()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options(seconds: 0.5));
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.ReadLineAsync());
        Assert.Equal(MailFailure.Timeout, e.Failure);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(15)); // the 0.5 s limit, not a hang
    }

    [Fact]
    public async Task Cancellation_ends_a_read_at_once_and_stays_a_cancellation()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options(seconds: 60));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.ReadLineAsync(cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}"); // not the 60 s timeout
    }

    [Fact]
    public async Task Lines_CR_LF_and_bare_LF_and_literal_bytes()
    {
        await using var server = new ScriptedServer(c => c.SendRawAsync("first\r\nsecond\nabc{x}tail\r\n"u8.ToArray()));
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options());
        Assert.Equal("first", await connection.ReadLineAsync());
        Assert.Equal("second", await connection.ReadLineAsync());
        Assert.Equal("abc{x}"u8.ToArray(), await connection.ReadBytesAsync(6));
        Assert.Equal("tail", await connection.ReadLineAsync());
        var closed = await Assert.ThrowsAsync<MailProtocolException>(() => connection.ReadLineAsync());
        Assert.Equal(MailFailure.ConnectionClosed, closed.Failure);
    }

    [Fact]
    public async Task An_endless_line_is_refused_instead_of_filling_memory()
    {
        await using var server = new ScriptedServer(async c =>
        {
            var chunk = Encoding.ASCII.GetBytes(new string('x', 4096));
            for (var i = 0; i < 64; i++) await c.SendRawAsync(chunk);
            await c.StallAsync();
        });
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options(maxLine: 10_000));
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.ReadLineAsync());
        Assert.Equal(MailFailure.ProtocolViolation, e.Failure);
    }

    [Fact]
    public async Task An_oversized_literal_is_refused()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, new MailConnectionOptions { MaxLiteralLength = 100, Trust = TestCertificates.Trust });
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.ReadBytesAsync(101));
        Assert.Equal(MailFailure.ProtocolViolation, e.Failure);
    }

    [Fact]
    public async Task TLS_with_a_certificate_from_a_trusted_CA()
    {
        await using var server = new ScriptedServer(async c => { await c.TlsAsync(TestCertificates.Loopback); await c.SendAsync("hello over tls"); await c.StallAsync(); });
        var transcript = new TranscriptBuffer();
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options(transcript: transcript));
        await connection.StartTlsAsync();
        Assert.True(connection.IsEncrypted);
        Assert.True(connection.TlsProtocol is SslProtocols.Tls12 or SslProtocols.Tls13);
        Assert.Equal("hello over tls", await connection.ReadLineAsync());
        Assert.Contains("TLS established", transcript.ToString());
    }

    [Fact]
    public async Task A_self_signed_certificate_is_refused()
    {
        await using var server = new ScriptedServer(c => c.TlsAsync(TestCertificates.SelfSigned));
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options());
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.StartTlsAsync());
        Assert.Equal(MailFailure.CertificateNotTrusted, e.Failure);
        Assert.Contains("not trusted", e.Message);
    }

    [Fact]
    public async Task A_certificate_of_a_trusted_CA_for_another_name_is_refused()
    {
        await using var server = new ScriptedServer(c => c.TlsAsync(TestCertificates.OtherName));
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options());
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.StartTlsAsync());
        Assert.Equal(MailFailure.CertificateNameMismatch, e.Failure);
    }

    [Fact]
    public async Task The_system_trust_alone_refuses_the_test_CA()
    {
        await using var server = new ScriptedServer(c => c.TlsAsync(TestCertificates.Loopback));
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options(trust: new CertificateTrust()));
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.StartTlsAsync());
        Assert.Equal(MailFailure.CertificateNotTrusted, e.Failure);
        Assert.Contains(CertificateTrust.CaFileVariable, e.Message);
    }

    [Fact]
    public async Task A_server_that_does_not_speak_TLS_fails_the_handshake_without_hanging()
    {
        await using var server = new ScriptedServer(async c => { await c.SendAsync("220 plain text server"); await c.StallAsync(); });
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options(seconds: 2));
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.StartTlsAsync());
        Assert.True(e.Failure is MailFailure.TlsHandshakeFailed or MailFailure.Timeout, e.Failure.ToString());
    }

    [Fact]
    public async Task Bytes_received_before_the_handshake_are_refused_STARTTLS_injection()
    {
        await using var server = new ScriptedServer(async c => { await c.SendRawAsync("220 go ahead\r\n250 injected\r\n"u8.ToArray()); await c.StallAsync(); });
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options());
        Assert.Equal("220 go ahead", await connection.ReadLineAsync());
        var e = await Assert.ThrowsAsync<MailProtocolException>(() => connection.StartTlsAsync());
        Assert.Equal(MailFailure.ProtocolViolation, e.Failure);
    }

    [Fact]
    public async Task Command_lines_cannot_smuggle_a_second_command()
    {
        await using var server = new ScriptedServer(c => c.StallAsync());
        await using var connection = await MailConnection.OpenAsync(server.Host, server.Port, Options());
        await Assert.ThrowsAsync<ArgumentException>(() => connection.WriteLineAsync("MAIL FROM:<a@b.c>\r\nRCPT TO:<x@y.z>"));
    }
}
