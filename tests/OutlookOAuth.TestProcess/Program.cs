using System.Reflection;
using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;

// A second OS process for the tests, using the same core paths as the cmdlets.
//   add <config> <prefix> <count>              adds <count> servers, one locked read-modify-write each
//   crash <config>                             adds a server but dies (FailFast) after the new file is written, before the rename
//   refresh <config> <name> <Outgoing|Incoming> redeems the server's refresh token (as Connect-OutlookAccount -Silent);
//                                              prints the new expiry, never the token
//   hold-token-lock <token dir> <user> <seconds> holds the token-store lock of the outgoing server <user> for <seconds>
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
    case "refresh":
        var config = store.Load();
        var server = config.Find(args[2], Enum.Parse<MailServerDirection>(args[3])) ?? throw new InvalidOperationException($"no server {args[2]}");
        try
        {
            var token = await new ConfigurationContext(path).TokenProvider.AcquireAsync(server, forceRefresh: true, CancellationToken.None);
            Console.WriteLine($"ok {token.ExpiresOn:O}");
            return 0;
        }
        catch (OAuthException e)
        {
            Console.Error.WriteLine($"{e.ErrorId}: {e.Message}");
            return 1;
        }
    case "hold-token-lock":
        var user = args[2];
        using (new TokenStore(path, TokenStoreProtection.OwnerOnlyFile).Lock(new OutgoingMailServer { Name = user, Username = user }))
            Thread.Sleep(TimeSpan.FromSeconds(double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture)));
        return 0;
    default:
        Console.Error.WriteLine($"unknown verb {verb}");
        return 2;
}
