#nullable enable
namespace OutlookOAuth.Benchmarks;

/// <summary>
/// The submission sink of <see cref="SendMemoryBenchmark"/> as a process of its own, for benches that drive the module
/// from pwsh and want a server that costs (almost) nothing per message: it writes its CA as PEM to the file given, prints
/// its port, and serves until its standard input closes.
/// Run: dotnet run -c Release --project bench/OutlookOAuth.Benchmarks -- smtp-sink CA-PEM-PATH
/// </summary>
public static class SmtpSinkProcess
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 2) { Console.Error.WriteLine("usage: smtp-sink CA-PEM-PATH"); return 2; }
        using var sink = new SendMemoryBenchmark.SubmissionSink();
        await File.WriteAllTextAsync(args[1], sink.Ca.ExportCertificatePem() + "\n");
        Console.WriteLine(sink.Port);
        await Console.Out.FlushAsync();
        await Console.In.ReadToEndAsync();
        return 0;
    }
}
