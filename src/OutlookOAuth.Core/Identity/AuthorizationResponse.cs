using System.Web;

namespace OutlookOAuth.Identity;

/// <summary>The parameters of the authorization redirect (query or form_post body).</summary>
public sealed record AuthorizationResponse(string? Code, string? State, string? Error, string? ErrorDescription)
{
    public static AuthorizationResponse Parse(string queryOrForm)
    {
        var q = HttpUtility.ParseQueryString(queryOrForm.TrimStart('?'));
        return new AuthorizationResponse(q["code"], q["state"], q["error"], q["error_description"]);
    }

    /// <summary>Parses the final redirected URL the admin pasted (query, or fragment for response_mode=fragment).</summary>
    public static AuthorizationResponse FromUrl(Uri url) =>
        Parse(!string.IsNullOrEmpty(url.Query) ? url.Query : url.Fragment.TrimStart('#'));

    public bool IsEmpty => Code is null && Error is null;

    /// <summary>Never print the code.</summary>
    public override string ToString() => $"AuthorizationResponse(code={(Code is null ? "none" : "***")}, error={Error ?? "none"})";
}
