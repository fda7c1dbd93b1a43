using OutlookOAuth.Configuration;
using OutlookOAuth.Identity;
using OutlookOAuth.Mail;
using Xunit;

namespace OutlookOAuth.Tests.Configuration;

/// <summary>One context per configuration file: opened once per path, the configuration read once (again only when asked),
/// the token store beside the file or at $env:OUTLOOKOAUTH_TOKEN_STORE, never created by a reader, and tokens routed to the
/// file each server came from.</summary>
public sealed class ConfigurationContextTests : IDisposable
{
    readonly TempDirectory _dir = new();
    public void Dispose() => _dir.Dispose();

    string Config(string folder, params string[] users)
    {
        var path = System.IO.Path.Combine(_dir.Path, folder, "config.yaml");
        var batch = new ConfigurationBatch(new ConfigurationStore(path));
        foreach (var user in users) batch.AddServer(new ServerSpec { Username = user }, force: false);
        Assert.Empty(batch.Commit());
        return path;
    }

    [Fact]
    public void What_a_context_hands_on_names_its_file_and_its_stored_token_status_without_creating_a_store()
    {
        var path = Config("h", "h@example.com", "i@example.com");
        var context = new ConfigurationContexts().For(path);
        var server = context.Load().OutgoingServers[0];
        var copy = context.CopyOf(server);
        Assert.Equal((path, (string?)null), (copy.ConfigPath, server.ConfigPath));
        var foreign = new OutgoingMailServer { Name = "x@example.com", ConfigPath = "/elsewhere/config.yaml" };
        Assert.Equal("/elsewhere/config.yaml", context.CopyOf(foreign).ConfigPath);
        Assert.Equal(TokenStatus.Missing, context.StoredStatusOf(copy));
        Assert.False(Directory.Exists(context.TokenDirectory));
        var sent = context.Senders.Resolve("i@example.com").Server!;
        Assert.Equal(("i@example.com", path), (sent.Name, sent.ConfigPath));
    }

    [Fact]
    public void A_path_opens_one_context_whatever_its_spelling()
    {
        var path = Config("a", "a@example.com");
        var contexts = new ConfigurationContexts();
        var context = contexts.For(path);
        Assert.Same(context, contexts.For(System.IO.Path.Combine(_dir.Path, "a", ".", "config.yaml")));
        Assert.Same(context, contexts.For(new OutgoingMailServer { ConfigPath = path }));
        Assert.NotSame(context, contexts.For(System.IO.Path.Combine(_dir.Path, "b", "config.yaml")));
        Assert.Equal(2, contexts.Opened.Count());
        Assert.Same(context.Accounts, context.Accounts);
        Assert.Same(context.TokenProvider, context.TokenStatus.Provider);
        Assert.Same(context.Tokens, context.Accounts.Store);
    }

    [Fact]
    public void The_configuration_is_read_once_and_again_only_on_Reload()
    {
        var path = Config("a", "a@example.com");
        var context = new ConfigurationContext(path);
        var first = context.Load();
        var provider = context.TokenProvider;
        var senders = context.Senders;
        Assert.Same(senders, context.Senders);
        new ConfigurationStore(path).Update(c => c.OutgoingServers.Clear()); // another process changes the file
        Assert.Same(first, context.Load());
        Assert.Single(context.Load().OutgoingServers);

        var reloaded = context.Reload();
        Assert.Empty(reloaded.OutgoingServers);
        Assert.Same(reloaded, context.Load());
        Assert.NotSame(provider, context.TokenProvider); // made again from the new application settings
        Assert.Null(context.Senders.Resolve("a@example.com").Server); // and the senders from the new servers
        Assert.Equal("a@example.com", senders.Resolve("a@example.com").Server!.Name);
        Assert.Empty(new ConfigurationContext(path).Load().OutgoingServers); // the next command sees the change
    }

    [Fact]
    public void A_named_file_that_does_not_exist_is_ConfigurationFileNotFound_for_LoadExisting_only()
    {
        var path = _dir.File("missing.yaml");
        var e = Assert.Throws<ConfigurationAccessException>(() => new ConfigurationContext(path).LoadExisting());
        Assert.Equal("ConfigurationFileNotFound", e.ErrorId);
        Assert.Empty(new ConfigurationContext(path).Load().AllServers);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void The_token_store_is_beside_the_file_or_at_OUTLOOKOAUTH_TOKEN_STORE_as_it_is_when_the_context_opens()
    {
        var path = Config("a", "a@example.com");
        Assert.Equal(_dir.File(System.IO.Path.Combine("a", "tokens")), new ConfigurationContext(path, getEnvironment: _ => null).TokenDirectory);
        var elsewhere = _dir.File("elsewhere");
        var moved = new ConfigurationContext(path, getEnvironment: k => k == TokenStore.LocationVariable ? elsewhere : null);
        Assert.Equal(elsewhere, moved.TokenDirectory);
        Assert.Equal(elsewhere, moved.Tokens.Directory);
        Assert.Equal(elsewhere, moved.TokenProvider.Store.Directory);
    }

    [Fact]
    public void Reading_token_status_never_creates_the_token_store()
    {
        var path = Config("a", "a@example.com");
        var context = new ConfigurationContext(path, getEnvironment: _ => null);
        Assert.Null(context.ExistingTokens);
        Assert.Null(context.StoredTokenStatus);
        Assert.Null(context.OpenedTokens);
        Assert.False(Directory.Exists(context.TokenDirectory));

        var opened = context.Tokens; // a command that writes opens it
        Assert.True(Directory.Exists(context.TokenDirectory));
        Assert.Same(opened, context.ExistingTokens);
        Assert.Same(opened, context.OpenedTokens);
        Assert.Equal(TokenStatus.Missing, context.StoredTokenStatus!.GetStatus(context.Load().AllServers.Single()));
    }

    [Fact]
    public async Task Each_server_gets_its_token_through_the_context_of_its_own_file()
    {
        var a = Config("a", "a@example.com");
        var fallback = Config("default", "b@example.com");
        var contexts = new ConfigurationContexts(defaultPath: fallback);
        var fromA = new OutgoingMailServer { Name = "a@example.com", Username = "a@example.com", ConfigPath = a };
        var withoutPath = new IncomingMailServer { Name = "b@example.com", Username = "b@example.com" };
        Assert.Equal(a, contexts.For(fromA).Path);
        Assert.Equal(fallback, contexts.For(withoutPath).Path);

        // Not signed in anywhere: each request fails in the token store of its own file (which the request opens).
        var e = await Assert.ThrowsAsync<OAuthException>(() => contexts.GetAccessTokenAsync(fromA, default));
        Assert.Equal("NotConnected", e.ErrorId);
        Assert.Equal(contexts.For(a).TokenDirectory, contexts.For(a).OpenedTokens!.Directory);
        Assert.Null(contexts.For(fallback).OpenedTokens);
    }

    [Fact]
    public async Task A_server_whose_file_has_no_tokens_fails_the_connection_test_at_the_token_stage_instead_of_crashing()
    {
        var path = Config("a", "a@example.com");
        var tester = new ConnectionTester(new ConfigurationContexts(defaultPath: path));
        var result = await tester.TestAsync(new OutgoingMailServer { Name = "s", Username = "a@example.com", HostName = "127.0.0.1", Port = 1 });
        Assert.Equal((ConnectionTestStage.Token, "NotConnected"), (result.Stage, result.ErrorId));
    }
}
