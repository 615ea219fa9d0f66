namespace Sesame.Interop.Legacy.Tests.Infrastructure;

/// <summary>Finds the repository checkout the tests were built from (the folder holding Sesame.slnx).</summary>
internal static class RepositoryPaths
{
    private static readonly Lazy<string> RootValue = new(FindRoot);

    public static string Root => RootValue.Value;

    public static string SeedEraServer => Path.Combine(Root, "tests", "Interop", "seed-era-server");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sesame.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Sesame.slnx above {AppContext.BaseDirectory}: run the tests from a repository checkout.");
    }
}
