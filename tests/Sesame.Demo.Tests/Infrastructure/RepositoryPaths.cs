namespace Sesame.Demo.Tests.Infrastructure;

/// <summary>Paths in the repository, found from the test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>Sesame.slnx</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The official JavaScript client's bundle, built by <c>build/deps/browser-assets.sh</c>.</summary>
    public static string OfficialClientBundle => Path.Combine(Root, "tests", "Interop", "browser-assets", "dist", "supertokens.js");

    /// <summary>The README's screenshot, written by the tests (committed).</summary>
    public static string Screenshot => Path.Combine(Root, "docs", "demo.png");

    /// <summary>Screenshots, page consoles and demo output of failed tests (git-ignored).</summary>
    public static string Artifacts => Path.Combine(Root, "artifacts", "demo");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sesame.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"Sesame.slnx not found above {AppContext.BaseDirectory}.");
    }
}
