using System.Reflection;
using OutlookOAuth.Configuration;

// Usage:
//   add <config> <prefix> <count>   adds <count> servers, one locked read-modify-write each
//   crash <config>                  adds a server but dies (FailFast) after the new file is written, before the rename
var (verb, path) = (args[0], args[1]);
var store = new ConfigurationStore(path);
switch (verb)
{
    case "add":
        var (prefix, count) = (args[2], int.Parse(args[3]));
        for (var i = 0; i < count; i++)
        {
            var batch = new ConfigurationBatch(store);
            batch.AddServer(new ServerSpec { Username = $"{prefix}-{i}@example.com" }, force: false);
            var failures = batch.Commit();
            if (failures.Count > 0) { Console.Error.WriteLine(failures[0].Error.Message); return 1; }
        }
        return 0;
    case "crash":
        typeof(ConfigurationStore).GetProperty("BeforeReplace", BindingFlags.NonPublic | BindingFlags.Instance)!
            .SetValue(store, new Action<string>(_ => Environment.FailFast("simulated crash before the atomic rename")));
        store.Update(c => c.OutgoingServers.Add(new OutgoingMailServer { Name = "crash@example.com", Username = "crash@example.com", HostName = "smtp.office365.com", Port = 587 }));
        return 0;
    default:
        Console.Error.WriteLine($"unknown verb {verb}");
        return 2;
}
