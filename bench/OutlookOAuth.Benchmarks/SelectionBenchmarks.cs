using BenchmarkDotNet.Attributes;
using OutlookOAuth.Configuration;
using OutlookOAuth.Selection;

namespace OutlookOAuth.Benchmarks;

/// <summary>Resolve-OutlookMailServer among 10,000 per-user servers (goal: at most 5 µs per resolve),
/// plus the one-off costs: building the index and checking the whole configuration.</summary>
[MemoryDiagnoser]
public class SelectionBenchmarks
{
    const int Users = 10_000;
    OutlookConfiguration _config;
    MailSenderResolver _resolver;

    [GlobalSetup]
    public void Setup()
    {
        _config = new OutlookConfiguration();
        _config.Parameters[SystemParameters.CatchallDomain] = "example.com";
        _config.Parameters[SystemParameters.DefaultFrom] = "notifications";
        for (var i = 0; i < Users; i++)
            _config.OutgoingServers.Add(Server($"user{i:00000}", $"user{i:00000}@example.com", 10));
        // A partner relay with a domain filter, behind all per-user servers.
        _config.OutgoingServers.Add(new OutgoingMailServer
        {
            Name = "partner-relay", Username = "relay", HostName = "smtp.partner.example", Port = 465,
            Authentication = ServerAuthentication.Password, Encryption = SmtpEncryption.Ssl, FromFilter = "partner.example", Sequence = 50,
        });
        _config.OutgoingServers.Add(Server("notifications", "notifications@example.com", 100));
        _resolver = new MailSenderResolver(_config);
    }

    static OutgoingMailServer Server(string name, string address, int sequence) => new()
    {
        Name = name, Username = address, FromFilter = address, Sequence = sequence,
        HostName = OutgoingMailServer.OutlookHost, Port = OutgoingMailServer.OutlookPort,
    };

    [Benchmark(Description = "Resolve: exact address hit")]
    public SenderResolution ExactHit() => _resolver.Resolve("\"User 7777\" <user07777@example.com>");

    [Benchmark(Description = "Resolve: domain hit")]
    public SenderResolution DomainHit() => _resolver.Resolve("Partner <someone@partner.example>");

    [Benchmark(Description = "Resolve: notifications fallback (From rewritten)")]
    public SenderResolution NotificationsFallback() => _resolver.Resolve("\"Doe, Jane\" <jane.doe@customer.example>");

    [Benchmark(Description = "Build the index (10,002 servers)")]
    public MailSenderResolver Build() => new(_config);

    [Benchmark(Description = "Test-OutlookMailConfiguration check (10,002 servers)")]
    public int Doctor() => ConfigurationDoctor.Check(_config).Count;
}
