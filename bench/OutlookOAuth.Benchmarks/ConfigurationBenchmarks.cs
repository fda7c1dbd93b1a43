using BenchmarkDotNet.Attributes;
using OutlookOAuth.Configuration;

namespace OutlookOAuth.Benchmarks;

/// <summary>Issue 2 goals: load and save of a 10,000-server file (≤ 150 ms each); adding 10,000 servers through the
/// cmdlets' core path with one save (≤ 1 s), and 20,000 (≤ 2.2 × the 10,000 figure).</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class ConfigurationBenchmarks
{
    string _dir = null!;
    string _bigFile = null!;
    string _text = null!;
    OutlookConfiguration _big = null!;
    int _counter;

    [Params(10_000, 20_000)]
    public int Servers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ooauth-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        _big = new OutlookConfiguration();
        _big.Parameters["mail.catchall.domain"] = "example.com";
        _big.Parameters["mail.default.from"] = "notifications";
        for (var i = 0; i < Servers; i++)
        {
            var s = (OutgoingMailServer)new ServerSpec { Username = $"user{i:D5}@example.com" }.CreateServer();
            ServerRules.Normalize(s);
            _big.OutgoingServers.Add(s);
        }
        _text = ConfigurationSerializer.Serialize(_big);
        _bigFile = Path.Combine(_dir, "big.yaml");
        File.WriteAllText(_bigFile, _text);
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    /// <summary>Read and parse the file from disk (what every cmdlet does first).</summary>
    [Benchmark]
    public int Load() => new ConfigurationStore(_bigFile).Load().OutgoingServers.Count;

    /// <summary>The same text parsed from memory (the strict reader on YamlDotNet, without the disk read).</summary>
    [Benchmark]
    public int Parse() => ConfigurationSerializer.Parse(_text, _bigFile).OutgoingServers.Count;

    /// <summary>Baseline of <see cref="Parse"/>: YamlDotNet's parser alone, every event of the same text pulled and
    /// dropped. Parse minus this is what the strict reader itself costs.</summary>
    [Benchmark(Baseline = true)]
    public int YamlDotNetEventsOnly()
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(_text));
        var n = 0;
        while (parser.MoveNext()) n++;
        return n;
    }

    /// <summary>Serialize and atomically replace the file (temp file, flush to disk, rename).</summary>
    [Benchmark]
    public void Save()
    {
        _big.Parameters["bench.counter"] = (_counter++).ToString();
        new ConfigurationStore(_bigFile).WriteAtomically(ConfigurationSerializer.Serialize(_big));
    }

    /// <summary>A whole locked read-modify-write of the big file (one Set-MailSystemParameter).</summary>
    [Benchmark]
    public void Update() => new ConfigurationStore(_bigFile).Update(c => c.Parameters["bench.counter"] = (_counter++).ToString());

    /// <summary>New-OutlookMailServer fed N rows: validate each against the snapshot, one save at the end.</summary>
    [Benchmark]
    public int AddServersOneSave()
    {
        var path = Path.Combine(_dir, "add.yaml");
        File.Delete(path);
        var batch = new ConfigurationBatch(new ConfigurationStore(path));
        for (var i = 0; i < Servers; i++)
            batch.AddServer(new ServerSpec { Username = $"user{i:D5}@example.com" }, force: false);
        return batch.Commit().Count;
    }
}
