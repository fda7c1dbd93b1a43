using System.Net.Sockets;
using System.Text;
using OutlookOAuth.Identity;
using Xunit;

namespace OutlookOAuth.Tests.Identity;

/// <summary>The loopback listener, the system browser launcher ($BROWSER) and the interaction queue.</summary>
public sealed class SignInPlumbingTests : IDisposable
{
    readonly TempStore _tmp = new();
    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task The_listener_receives_a_query_redirect_and_answers_the_browser()
    {
        await using var listener = LoopbackRedirectListener.Start();
        Assert.Matches(@"^http://localhost:\d+/$", listener.RedirectUri.AbsoluteUri);
        var wait = listener.WaitAsync(TimeSpan.FromSeconds(10), default);
        using var http = new HttpClient();
        var page = await http.GetStringAsync(new Uri(listener.RedirectUri, "?code=the-code&state=the-state"));
        var r = await wait;
        Assert.Equal("the-code", r.Code);
        Assert.Equal("the-state", r.State);
        Assert.Contains("close this window", page);
        Assert.DoesNotContain("the-code", r.ToString());
    }

    [Fact]
    public async Task The_listener_accepts_form_post_ignores_other_paths_and_idle_connections()
    {
        await using var listener = LoopbackRedirectListener.Start(new Uri("http://localhost/cb"));
        var wait = listener.WaitAsync(TimeSpan.FromSeconds(10), default);
        using var idle = new TcpClient();
        await idle.ConnectAsync("127.0.0.1", listener.RedirectUri.Port); // a browser pre-connect that never speaks
        using var http = new HttpClient();
        var favicon = await http.GetAsync(new Uri(listener.RedirectUri, "/favicon.ico"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, favicon.StatusCode);
        var empty = await http.GetAsync(listener.RedirectUri);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.False(wait.IsCompleted);
        await http.PostAsync(listener.RedirectUri, new FormUrlEncodedContent(new Dictionary<string, string> { ["error"] = "access_denied", ["error_description"] = "AADSTS65004: declined", ["state"] = "s" }));
        var r = await wait;
        Assert.Equal("access_denied", r.Error);
        Assert.Equal("AADSTS65004: declined", r.ErrorDescription);
    }

    [Fact]
    public async Task The_listener_gives_up_after_its_timeout()
    {
        await using var listener = LoopbackRedirectListener.Start();
        var e = await Assert.ThrowsAsync<OAuthException>(() => listener.WaitAsync(TimeSpan.FromMilliseconds(200), default));
        Assert.Equal("SignInTimeout", e.ErrorId);
        Assert.Contains("-DeviceCode", e.Hint);
    }

    [Fact]
    public async Task A_busy_port_is_a_clear_error()
    {
        await using var first = LoopbackRedirectListener.Start();
        var e = Assert.Throws<OAuthException>(() => LoopbackRedirectListener.Start(new Uri($"http://localhost:{first.RedirectUri.Port}/")));
        Assert.Equal("LoopbackPortUnavailable", e.ErrorId);
    }

    [Fact]
    public async Task BROWSER_is_run_with_the_url()
    {
        if (OperatingSystem.IsWindows()) return;
        var log = Path.Combine(_tmp.Root, "opened.txt");
        var script = Path.Combine(_tmp.Root, "browser.sh");
        File.WriteAllText(script, $"#!/bin/sh\nprintf '%s' \"$1\" > '{log}'\n");
        File.SetUnixFileMode(script, (UnixFileMode)0x1C0);
        var url = new Uri("https://127.0.0.1:1/t/oauth2/v2.0/authorize?client_id=x&state=y");
        var launch = await new SystemBrowserLauncher(k => k == "BROWSER" ? script : null).OpenAsync(url, default);
        Assert.True(launch.Started);
        Assert.Contains("$BROWSER", launch.How);
        Assert.Equal(url.AbsoluteUri, File.ReadAllText(log));
    }

    [Fact]
    public async Task BROWSER_entries_are_tried_in_order_with_percent_s()
    {
        if (OperatingSystem.IsWindows()) return;
        var log = Path.Combine(_tmp.Root, "opened.txt");
        var script = Path.Combine(_tmp.Root, "b2.sh");
        File.WriteAllText(script, $"#!/bin/sh\nprintf '%s|%s' \"$1\" \"$2\" > '{log}'\n");
        File.SetUnixFileMode(script, (UnixFileMode)0x1C0);
        var launch = await new SystemBrowserLauncher(k => k == "BROWSER" ? $"/nonexistent/browser:{script} --new-window %s" : null)
            .OpenAsync(new Uri("https://example.com/a"), default);
        Assert.True(launch.Started);
        Assert.Equal("--new-window|https://example.com/a", File.ReadAllText(log));
    }

    [Fact]
    public async Task A_browser_that_cannot_start_is_reported_with_the_reason()
    {
        var launch = await new SystemBrowserLauncher(k => k == "BROWSER" ? "/nonexistent/browser" : null).OpenAsync(new Uri("https://example.com/"), default);
        Assert.False(launch.Started);
        Assert.Contains("/nonexistent/browser", launch.Reason);
    }
}
