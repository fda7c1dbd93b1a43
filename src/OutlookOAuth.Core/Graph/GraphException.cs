namespace OutlookOAuth.Graph;

/// <summary>A Microsoft Graph call that failed: the HTTP status, Graph's error code and message, and the call
/// (method and path, never a token or a secret). The ErrorId says what failed (GraphPermissionDenied, GraphBadRequest,
/// GraphObjectNotFound, GraphThrottled, ...); the hint names the permission, role or object concerned.</summary>
public sealed class GraphException : OutlookOAuthException
{
    public GraphException(string errorId, FailureKind kind, string message, string? hint, int status, string? graphCode, string call, Exception? inner = null)
        : base(errorId, kind, message, hint, inner)
    {
        StatusCode = status;
        GraphCode = graphCode;
        Call = call;
    }

    /// <summary>The HTTP status (0 when no answer came).</summary>
    public int StatusCode { get; }
    /// <summary>Graph's error.code, e.g. Authorization_RequestDenied, Request_ResourceNotFound.</summary>
    public string? GraphCode { get; }
    /// <summary>"METHOD /path" of the call.</summary>
    public string Call { get; }
}
