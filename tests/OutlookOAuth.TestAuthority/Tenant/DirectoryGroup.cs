namespace OutlookOAuth.TestAuthority.Tenant;

/// <summary>A security group of the lab tenant; <see cref="MemberIds"/> are user object ids.</summary>
public sealed record DirectoryGroup(string Id, string DisplayName, string MailNickname, IReadOnlyList<string> MemberIds);
