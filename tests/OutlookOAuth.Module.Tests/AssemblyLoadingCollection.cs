using Xunit;

namespace OutlookOAuth.Module.Tests;

/// <summary>Tests that hook assembly loading in this process run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class AssemblyLoadingCollection
{
    public const string Name = "Assembly loading";
}
