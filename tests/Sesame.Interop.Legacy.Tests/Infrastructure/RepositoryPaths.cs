using Sesame.Testing;

namespace Sesame.Interop.Legacy.Tests.Infrastructure;

/// <summary>Finds the repository checkout the tests were built from (the folder holding Sesame.slnx).</summary>
internal static class RepositoryPaths
{
    public static string Root => RepositoryRoot.Path;

    public static string SeedEraServer => Path.Combine(Root, "tests", "Interop", "seed-era-server");
}
