using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OutlookOAuth.Graph;
using Xunit;

namespace OutlookOAuth.Tests.Graph;

/// <summary>The pure rules of Graph/: error mapping, retry delays, what a re-run adds, the redirect URI, the plan.</summary>
public class GraphRulesTests
{
    const string Body403 = """{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2026-12-06T12:00:00"}}}""";

    [Theory]
    [InlineData("POST", "applications", "Application.ReadWrite.All")]
    [InlineData("GET", "applications?$filter=appId eq 'x'", "Application.Read.All")]
    [InlineData("POST", "servicePrincipals/abc/appRoleAssignedTo", "AppRoleAssignment.ReadWrite.All")]
    [InlineData("POST", "oauth2PermissionGrants", "DelegatedPermissionGrant.ReadWrite.All")]
    [InlineData("GET", "users/alice%40example.com", "User.Read.All")]
    public void A_403_names_the_permission_the_call_needs(string method, string path, string permission)
    {
        var e = GraphErrorMap.Map(403, Body403, method, path);
        Assert.Equal("GraphPermissionDenied", e.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Contains(permission, e.Message);
        Assert.Contains("Insufficient privileges", e.Message);
        Assert.Equal("Authorization_RequestDenied", e.GraphCode);
        Assert.Equal($"{method} /{path.Split('?')[0]}", e.Call);
        Assert.NotNull(e.Hint);
    }

    [Fact]
    public void A_400_keeps_Graphs_message_and_a_404_names_the_object()
    {
        var bad = GraphErrorMap.Map(400, """{"error":{"code":"Request_BadRequest","message":"Invalid value specified for property 'signInAudience' of resource 'Application'."}}""", "POST", "applications");
        Assert.Equal("GraphBadRequest", bad.ErrorId);
        Assert.Contains("Invalid value specified for property 'signInAudience'", bad.Message);
        Assert.Contains("Request_BadRequest", bad.Hint);
        var missing = GraphErrorMap.Map(404, """{"error":{"code":"Request_ResourceNotFound","message":"Resource 'x' does not exist."}}""", "GET", "users/x", "the user 'x'");
        Assert.Equal("GraphObjectNotFound", missing.ErrorId);
        Assert.Equal(FailureKind.NotFound, missing.Kind);
        Assert.StartsWith("The user 'x' was not found", missing.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("""{"error":"a string"}""")]
    [InlineData("""[1,2]""")]
    public void An_error_body_that_is_not_Graphs_still_maps(string body)
    {
        var e = GraphErrorMap.Map(500, body, "GET", "applications");
        Assert.Equal("GraphRequestFailed", e.ErrorId);
        Assert.Contains("HTTP 500", e.Message);
    }

    [Fact]
    public void Retry_after_is_read_as_seconds_or_a_date_and_capped()
    {
        var now = new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);
        var cap = TimeSpan.FromSeconds(30);
        Assert.Equal(TimeSpan.FromSeconds(7), GraphErrorMap.RetryDelay("7", 1, now, cap));
        Assert.Equal(TimeSpan.FromSeconds(10), GraphErrorMap.RetryDelay(now.AddSeconds(10).ToString("R"), 1, now, cap));
        Assert.Equal(cap, GraphErrorMap.RetryDelay("86400", 1, now, cap));
        Assert.Equal(TimeSpan.Zero, GraphErrorMap.RetryDelay(now.AddSeconds(-10).ToString("R"), 1, now, cap));
        Assert.Equal(TimeSpan.FromSeconds(4), GraphErrorMap.RetryDelay(null, 2, now, cap));
        Assert.Equal(TimeSpan.FromSeconds(2), GraphErrorMap.RetryDelay("-5", 1, now, cap)); // not a number of seconds: back-off
    }

    [Fact]
    public void MergeAccess_adds_only_what_is_missing_and_keeps_other_resources()
    {
        Assert.Null(ApplicationRegistrar.MergeAccess(ApplicationRegistrar.MergeAccess(new JsonArray(), false), false));
        var existing = JsonNode.Parse($$"""
            [{"resourceAppId":"{{GraphIds.MicrosoftGraphAppId}}","resourceAccess":[{"id":"{{GraphIds.UserRead.ToUpperInvariant()}}","type":"Scope"}]},
             {"resourceAppId":"11111111-0000-0000-0000-000000000000","resourceAccess":[{"id":"22222222-0000-0000-0000-000000000000","type":"Role"}]}]
            """);
        var merged = ApplicationRegistrar.MergeAccess(existing, appOnly: true)!;
        Assert.Equal(3, merged.Count);
        var graph = merged.OfType<JsonObject>().Single(r => (string?)r["resourceAppId"] == GraphIds.MicrosoftGraphAppId);
        Assert.Equal(4, graph["resourceAccess"]!.AsArray().Count); // User.Read kept once (ids compare without case)
        Assert.Contains(merged.OfType<JsonObject>(), r => (string?)r["resourceAppId"] == "11111111-0000-0000-0000-000000000000");
        var exchange = merged.OfType<JsonObject>().Single(r => (string?)r["resourceAppId"] == GraphIds.ExchangeOnlineAppId);
        Assert.All(exchange["resourceAccess"]!.AsArray(), a => Assert.Equal("Role", (string?)a!["type"]));
        Assert.Null(ApplicationRegistrar.MergeAccess(merged, appOnly: true));
    }

    [Fact]
    public void MergeScope_adds_the_missing_delegated_scopes_to_a_grant()
    {
        Assert.Equal("User.Read offline_access SMTP.Send IMAP.AccessAsUser.All", ApplicationRegistrar.MergeScope(null));
        Assert.Equal("Mail.Read smtp.send User.Read offline_access IMAP.AccessAsUser.All", ApplicationRegistrar.MergeScope("Mail.Read smtp.send"));
        Assert.Null(ApplicationRegistrar.MergeScope("IMAP.AccessAsUser.All SMTP.Send offline_access User.Read"));
    }

    [Theory]
    [InlineData("https://odoo.example.com", "https://odoo.example.com/microsoft_outlook/confirm")]
    [InlineData("https://odoo.example.com/", "https://odoo.example.com/microsoft_outlook/confirm")]
    [InlineData("http://localhost:8069", "http://localhost:8069/microsoft_outlook/confirm")]
    [InlineData("https://example.com/odoo", "https://example.com/microsoft_outlook/confirm")] // url_join: an absolute path replaces the base's
    public void The_redirect_uri_is_Odoos_url_join_of_web_base_url(string baseUrl, string expected) =>
        Assert.Equal(expected, RegistrationRequest.ConfirmUri(baseUrl));

    [Theory]
    [InlineData("odoo.example.com")]
    [InlineData("ftp://odoo.example.com")]
    public void A_base_url_that_is_no_web_address_is_refused(string baseUrl) =>
        Assert.Equal("InvalidBaseUrl", Assert.Throws<OutlookOAuthException>(() => RegistrationRequest.ConfirmUri(baseUrl)).ErrorId);

    [Theory]
    [InlineData(null, null, "https://graph.microsoft.com/")]
    [InlineData(null, "https://127.0.0.1:5443/graph/", "https://127.0.0.1:5443/graph/")]
    [InlineData("https://127.0.0.1:5443/graph", "https://elsewhere/", "https://127.0.0.1:5443/graph/")]
    public void The_graph_root_is_the_parameter_else_the_variable_else_Microsofts(string? given, string? variable, string expected) =>
        Assert.Equal(expected, GraphIds.ResolveEndpoint(given, n => n == GraphIds.EndpointVariable ? variable : null).AbsoluteUri);

    [Theory]
    [InlineData("http://graph.example.com/")]
    [InlineData("graph.microsoft.com")]
    [InlineData("https://graph.microsoft.com/?x=1")]
    public void A_graph_root_that_is_not_https_is_refused(string given) =>
        Assert.Equal("InvalidGraphEndpoint", Assert.Throws<OutlookOAuthException>(() => GraphIds.ResolveEndpoint(given, _ => null)).ErrorId);

    [Fact]
    public async Task The_plan_of_a_first_run_lists_every_call_and_creates_nothing()
    {
        var plan = new GraphPlan();
        var stored = 0;
        var result = await new ApplicationRegistrar(plan).RegisterAsync(new RegistrationRequest
        {
            RedirectUris = ["https://odoo.example.com/microsoft_outlook/confirm", "http://localhost"], GrantAdminConsent = true, AppOnly = true,
            SecretExpiresOn = DateTimeOffset.UtcNow.AddDays(30),
        }, (_, _, _, _) => { stored++; return Task.CompletedTask; }, CancellationToken.None);
        var writes = plan.Calls.Where(c => c.Method != "GET").Select(c => $"{c.Method} {c.Path}").ToList();
        Assert.Equal(
        [
            "POST applications", "POST servicePrincipals", "POST oauth2PermissionGrants",
            $"POST servicePrincipals/<Office 365 Exchange Online service principal id>/appRoleAssignedTo",
            $"POST servicePrincipals/<Office 365 Exchange Online service principal id>/appRoleAssignedTo",
            "POST applications/<new application object id>/addPassword",
        ], writes);
        Assert.Equal(writes.Select(w => w.Replace("POST ", "POST /")), result.Changes);
        Assert.Equal(1, stored);
        Assert.Equal("Created", result.Application);
    }

    [Fact]
    public async Task The_client_retries_429_after_Retry_After_and_gives_up_after_its_attempts()
    {
        var answers = new Queue<HttpResponseMessage>();
        for (var i = 0; i < 2; i++)
            answers.Enqueue(new HttpResponseMessage((HttpStatusCode)429) { Headers = { RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(3)) }, Content = new StringContent("""{"error":{"code":"TooManyRequests","message":"Too many requests."}}""") });
        answers.Enqueue(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"value":[]}""", Encoding.UTF8, "application/json") });
        var waits = new List<TimeSpan>();
        var client = new GraphClient(new Uri("https://graph.example/"), _ => Task.FromResult("token"), new HttpClient(new Scripted(answers)),
            (t, _) => { waits.Add(t); return Task.CompletedTask; });
        var answer = await client.SendAsync(HttpMethod.Get, "applications", null, null, CancellationToken.None);
        Assert.NotNull(answer);
        Assert.Equal([TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)], waits);

        for (var i = 0; i < GraphClient.MaxAttempts; i++)
            answers.Enqueue(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Content = new StringContent("") });
        var e = await Assert.ThrowsAsync<GraphException>(() => client.SendAsync(HttpMethod.Get, "applications", null, null, CancellationToken.None));
        Assert.Equal("GraphThrottled", e.ErrorId);
        Assert.Equal(503, e.StatusCode);
        Assert.Equal(2 + GraphClient.MaxAttempts - 1, waits.Count);
    }

    /// <summary>Graph answers a real server will not produce on demand (a run of 429s); the lab covers the rest.</summary>
    sealed class Scripted(Queue<HttpResponseMessage> answers) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("Bearer token", request.Headers.Authorization?.ToString());
            Assert.StartsWith("https://graph.example/v1.0/", request.RequestUri!.AbsoluteUri);
            return Task.FromResult(answers.Dequeue());
        }
    }

    [Fact]
    public void Exchange_commands_use_the_enterprise_applications_id_and_quote_hostile_names()
    {
        var commands = ExchangeOnlineCommands.ForAppOnly("app-id", "sp-id", "O'Brien app", ["a@example.com", "b'x@example.com", "A@example.com"]);
        Assert.Contains("New-ServicePrincipal -AppId app-id -ObjectId sp-id -DisplayName 'O''Brien app'", commands);
        Assert.Equal(2, commands.Count(c => c.StartsWith("Add-MailboxPermission", StringComparison.Ordinal)));
        Assert.Contains("Add-MailboxPermission -Identity 'b''x@example.com' -User sp-id -AccessRights FullAccess", commands);
        Assert.Contains(commands, c => c.StartsWith("New-ManagementRoleAssignment -App sp-id -Role 'Application SMTP.SendAsApp'", StringComparison.Ordinal));
    }
}
