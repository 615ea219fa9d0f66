using Sesame.Testing;

namespace Sesame.Client.Blazor.Tests.Infrastructure;

/// <summary>Paths in the repository, found from the test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>Sesame.slnx</c>.</summary>
    public static string Root => RepositoryRoot.Path;

    /// <summary>The demo's Blazor app project.</summary>
    public static string DemoClientProject => Path.Combine(Root, "samples", "Demo.Client", "Demo.Client.csproj");

    /// <summary>Where the tests publish the Blazor app (git-ignored <c>.build/</c>).</summary>
    public static string PublishFolder => Path.Combine(Root, ".build", "blazor-publish", "Demo.Client");

    /// <summary>The publish's own bin/obj folders (git-ignored <c>.build/</c>), apart from the solution's build output.</summary>
    public static string PublishArtifacts => Path.Combine(Root, ".build", "blazor-publish", "artifacts");

    /// <summary>The official JavaScript client's bundle, built by <c>build/deps/browser-assets.sh</c>.</summary>
    public static string OfficialClientBundle => Path.Combine(Root, "tests", "Interop", "browser-assets", "dist", "supertokens.js");

    /// <summary>Screenshots and console logs of failed tests (git-ignored).</summary>
    public static string Artifacts => Path.Combine(Root, "artifacts", "blazor");
}
