namespace Sesame.Testing;

/// <summary>
/// The repository checkout a test was built from: the folder holding <c>Sesame.slnx</c>, found by walking up from the test's
/// output folder. Compiled into every test project (tests/Directory.Build.props), so each project names its own paths from it.
/// </summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The folder holding <c>Sesame.slnx</c>.</summary>
    public static string Path => Root.Value;

    /// <summary>A path inside the repository.</summary>
    /// <param name="parts">The path's segments below the root.</param>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Sesame.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Sesame.slnx above {AppContext.BaseDirectory}: run the tests from a repository checkout.");
    }
}
