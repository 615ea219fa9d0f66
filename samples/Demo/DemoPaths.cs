namespace Demo;

/// <summary>Where the demo finds its files, whether started with <c>dotnet run</c> or from the build output.</summary>
internal static class DemoPaths
{
    /// <summary>The folder holding Demo.csproj (found by walking up from the build output), else the current directory.</summary>
    public static string ProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Demo.csproj")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    /// <summary>
    /// The official JavaScript client's browser bundle: <c>Demo:JavaScriptClientBundle</c> if set, else the file that
    /// <c>build/deps/browser-assets.sh</c> builds in the repository (<c>tests/Interop/browser-assets/dist/supertokens.js</c>).
    /// </summary>
    public static string JavaScriptClientBundle(IConfiguration configuration, IWebHostEnvironment environment)
    {
        var configured = configuration["Demo:JavaScriptClientBundle"];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(environment.ContentRootPath, "..", "..", "tests", "Interop", "browser-assets", "dist", "supertokens.js")
            : Path.Combine(environment.ContentRootPath, configured));
    }
}
