using System.Runtime.InteropServices;
using System.Security;

namespace OutlookOAuth.Identity;

/// <summary>SecureString at the cmdlet boundary, plain text only for the moment MSAL or the store needs it.</summary>
public static class SecretText
{
    public static string? Reveal(SecureString? secure)
    {
        if (secure is null) return null;
        var ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try { return Marshal.PtrToStringUni(ptr, secure.Length); }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
    }
}
