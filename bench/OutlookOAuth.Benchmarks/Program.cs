// Plain programs first ("send-memory": peak working set of child processes; "send-pipeline": client cost of a send
// pipeline against a connection per message; "receive"/"receive-memory": batched receive against one round trip per
// message, and peak memory; "connection-cost": CPU and wall per
// connection test); everything else is BenchmarkDotNet.
if (args.Length > 0 && args[0] == "send-memory") return await OutlookOAuth.Benchmarks.SendMemoryBenchmark.RunAsync(args);
if (args.Length > 0 && args[0] == "send-pipeline") return await OutlookOAuth.Benchmarks.SendPipelineBenchmark.RunAsync(args);
if (args.Length > 0 && args[0] is "receive" or "receive-memory")
{
    await OutlookOAuth.Benchmarks.ReceiveBench.RunAsync(args);
    return 0;
}
if (args.Length > 0 && args[0] == "smtp-sink") return await OutlookOAuth.Benchmarks.SmtpSinkProcess.RunAsync(args);
if (args.Length > 0 && args[0] == "connection-cost")
{
    await OutlookOAuth.Benchmarks.ConnectionCost.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 3);
    return 0;
}
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
