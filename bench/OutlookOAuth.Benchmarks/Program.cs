if (args.Length > 0 && args[0] == "connection-cost")
{
    await OutlookOAuth.Benchmarks.ConnectionCost.RunAsync(args.Length > 1 ? int.Parse(args[1]) : 3);
    return;
}
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
