#nullable enable
using System.Diagnostics;
using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using OutlookOAuth.Selection;
using OutlookOAuth.Mail.Sending;

namespace OutlookOAuth.Benchmarks;

/// <summary>
/// The client's own cost of a send, without a real server's work: N small messages through one <see cref="MailSender"/>
/// (one connection) against one sender, connection, STARTTLS and XOAUTH2 per message, to the in-process sink of
/// <see cref="SendMemoryBenchmark"/> (no disk, no queue). The lab figures (Measure-SendOutlookMail.ps1) include the server.
/// Run: dotnet run -c Release --project bench/OutlookOAuth.Benchmarks -- send-pipeline [N]
/// </summary>
public static class SendPipelineBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 1 ? int.Parse(args[1]) : 500;
        using var sink = new SendMemoryBenchmark.SubmissionSink();
        var config = new OutlookConfiguration();
        config.OutgoingServers.Add(new OutgoingMailServer { Name = "sink", Username = "bench@contoso.com", HostName = "127.0.0.1", Port = sink.Port });
        var resolver = new MailSenderResolver(config);
        var connector = new MailClientConnector(new MailClientOptions { Trust = sink.Trust, Timeout = TimeSpan.FromSeconds(30) });
        var tokens = new SendMemoryBenchmark.StaticToken();
        PreparedMail Mail(int i) => MailComposer.Prepare(new MailRequest { From = "bench@contoso.com", To = ["someone@partner.test"], Subject = $"n{i}", Body = "x" }, resolver);

        for (var i = 0; i < 20; i++) { using var s = new MailSender(tokens, connector); using var m = Mail(i); await s.SendAsync(m, default); } // warm-up
        var watch = Stopwatch.StartNew();
        using (var sender = new MailSender(tokens, connector))
            for (var i = 0; i < count; i++) { using var m = Mail(i); await sender.SendAsync(m, default); }
        var pipeline = watch.Elapsed;
        watch.Restart();
        for (var i = 0; i < count; i++) { using var s = new MailSender(tokens, connector); using var m = Mail(i); await s.SendAsync(m, default); }
        var perMessage = watch.Elapsed;
        Console.WriteLine($"| {count} messages | total | per message |");
        Console.WriteLine("| --- | ---: | ---: |");
        Console.WriteLine($"| one connection | {pipeline.TotalSeconds:0.00} s | {pipeline.TotalMilliseconds / count:0.00} ms |");
        Console.WriteLine($"| a connection per message | {perMessage.TotalSeconds:0.00} s | {perMessage.TotalMilliseconds / count:0.00} ms |");
        Console.WriteLine($"ratio: {perMessage / pipeline:0.0}x");
        return 0;
    }
}
