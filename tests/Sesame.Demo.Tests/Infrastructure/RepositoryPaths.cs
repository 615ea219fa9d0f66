using Sesame.Testing;

namespace Sesame.Demo.Tests.Infrastructure;

/// <summary>Paths in the repository, found from the test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>Sesame.slnx</c>.</summary>
    public static string Root => RepositoryRoot.Path;

    /// <summary>The official JavaScript client's bundle, built by <c>build/deps/browser-assets.sh</c>.</summary>
    public static string OfficialClientBundle => Path.Combine(Root, "tests", "Interop", "browser-assets", "dist", "supertokens.js");

    /// <summary>The README's screenshot (committed); the tests replace it only when <see cref="UpdateReadmeScreenshot"/> is set.</summary>
    public static string ReadmeScreenshot => Path.Combine(Root, "docs", "demo.png");

    /// <summary>The screenshot every run takes (git-ignored), so a test run leaves the checkout unchanged.</summary>
    public static string Screenshot => Path.Combine(Artifacts, "demo.png");

    /// <summary><c>SESAME_UPDATE_SCREENSHOT=1</c>: the run also copies its screenshot over <see cref="ReadmeScreenshot"/>.</summary>
    public static bool UpdateReadmeScreenshot => Environment.GetEnvironmentVariable("SESAME_UPDATE_SCREENSHOT") == "1";

    /// <summary>Screenshots, page consoles and demo output of failed tests (git-ignored).</summary>
    public static string Artifacts => Path.Combine(Root, "artifacts", "demo");
}
