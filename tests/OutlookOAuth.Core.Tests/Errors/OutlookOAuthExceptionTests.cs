using OutlookOAuth.Configuration;
using OutlookOAuth.Mail;
using OutlookOAuth.Security;
using Xunit;

namespace OutlookOAuth.Core.Tests.Errors;

/// <summary>One exception base: every failure of the core carries a stable id, a kind and (where known) a hint.</summary>
public class OutlookOAuthExceptionTests
{
    [Fact]
    public void Every_exception_type_of_the_core_derives_from_OutlookOAuthException()
    {
        var exceptions = typeof(OutlookOAuthException).Assembly.GetTypes()
            .Where(t => typeof(Exception).IsAssignableFrom(t)).ToList();
        Assert.Contains(typeof(FileLockedException), exceptions);
        Assert.All(exceptions, t => Assert.True(typeof(OutlookOAuthException).IsAssignableFrom(t), $"{t.FullName} is not an OutlookOAuthException"));
    }

    [Fact]
    public void The_lock_failure_has_an_id_a_kind_the_file_and_a_hint()
    {
        var e = new FileLockedException("ConfigurationLocked", "the configuration '/tmp/c.yaml'", "/tmp/c.yaml", TimeSpan.FromSeconds(30), "process 42 (pwsh)");
        Assert.Equal(("ConfigurationLocked", FailureKind.Busy, (object?)"/tmp/c.yaml"), (e.ErrorId, e.Kind, e.Target));
        Assert.Equal("The configuration '/tmp/c.yaml' is locked by process 42 (pwsh); waited 30 s.", e.Message);
        Assert.Contains("process 42 (pwsh)", e.Hint);
    }

    [Theory]
    [InlineData(MailFailure.Timeout, null, FailureKind.Timeout)]
    [InlineData(MailFailure.ConnectionRefused, null, FailureKind.Connection)]
    [InlineData(MailFailure.CertificateNotTrusted, null, FailureKind.Security)]
    [InlineData(MailFailure.Rejected, ConnectionTestStage.Authenticate, FailureKind.Authentication)]
    [InlineData(MailFailure.Rejected, ConnectionTestStage.Recipient, FailureKind.PermissionDenied)]
    [InlineData(MailFailure.NotSupported, null, FailureKind.NotSupported)]
    [InlineData(MailFailure.ProtocolViolation, null, FailureKind.Protocol)]
    public void A_protocol_failure_takes_its_kind_from_what_failed_and_where(MailFailure failure, ConnectionTestStage? stage, FailureKind kind)
    {
        var e = new MailProtocolException(failure, "m") { Stage = stage, ErrorId = "X" };
        Assert.Equal((kind, "X"), (e.Kind, e.ErrorId));
        Assert.Equal(failure.ToString(), new MailProtocolException(failure, "m").ErrorId);
    }

    [Fact]
    public void A_failed_connection_test_is_a_failure_of_the_stage_that_failed_and_a_passed_one_is_none()
    {
        var failed = new ConnectionTestResult { Name = "n", HostName = "h", Port = 587, Stage = ConnectionTestStage.Tls, ErrorId = "CertificateNotTrusted", Message = "m", Hint = "h" };
        var e = failed.ToException()!;
        Assert.Equal(("CertificateNotTrusted", FailureKind.Security, "h"), (e.ErrorId, e.Kind, e.Hint));
        Assert.Contains("failed at Tls: m", e.Message);
        Assert.Null(new ConnectionTestResult { Success = true }.ToException());
    }

    [Fact]
    public void Server_not_found_is_the_same_failure_wherever_a_name_matches_nothing()
    {
        var e = ServerLookup.NotFound("bob@example.com", MailServerDirection.Incoming, "/c.yaml");
        Assert.Equal(("ServerNotFound", FailureKind.NotFound), (e.ErrorId, e.Kind));
        Assert.Equal("No incoming server named 'bob@example.com' exists in '/c.yaml'.", e.Message);
        Assert.Equal(ServerLookup.NotFoundHint, e.Hint);
    }
}
