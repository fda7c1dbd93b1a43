// "send-memory" is a plain program (peak working set of child processes); everything else is BenchmarkDotNet.
if (args.Length > 0 && args[0] == "send-memory") return await OutlookOAuth.Benchmarks.SendMemoryBenchmark.RunAsync(args);
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
