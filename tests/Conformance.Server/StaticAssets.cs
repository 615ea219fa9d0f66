using System.Reflection;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Sesame.Conformance;

/// <summary>
/// The page and the local npm files it loads: <c>/index.html</c> (ours, embedded), <c>/assets/axios.min.js</c>,
/// <c>/assets/axios-mock-adapter.js</c> and <c>/assets/supertokens.js</c> (the official client's bundle) from the
/// browser-assets folder, and any file under <c>--static-root</c>, which wins over ours.
/// </summary>
internal sealed partial class StaticAssets
{
    private static readonly Dictionary<string, string> AssetFiles = new(StringComparer.Ordinal)
    {
        ["/assets/axios.min.js"] = "node_modules/axios/dist/axios.min.js",
        ["/assets/axios-mock-adapter.js"] = "node_modules/axios-mock-adapter/dist/axios-mock-adapter.js",
        ["/assets/supertokens.js"] = "dist/supertokens.js",
    };

    private readonly byte[] _indexHtml;
    private readonly string? _assetsRoot;
    private readonly ILogger _logger;

    public StaticAssets(ConformanceServerOptions options, ILogger<StaticAssets> logger)
    {
        _logger = logger;
        _assetsRoot = options.AssetsRoot ?? FindAssetsRoot();
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Sesame.Conformance.index.html")
            ?? throw new InvalidOperationException("The embedded index.html is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        _indexHtml = copy.ToArray();
        if (_assetsRoot is null || !File.Exists(Path.Combine(_assetsRoot, AssetFiles["/assets/axios.min.js"])))
        {
            LogAssetsMissing(_logger, _assetsRoot ?? "(not found)");
        }
    }

    /// <summary>The official client's <c>package.json</c> (for <c>/getPackageVersion</c>), when the npm files are there.</summary>
    public string? ClientPackageJsonPath => _assetsRoot is null ? null : Path.Combine(_assetsRoot, "node_modules", "supertokens-website", "package.json");

    /// <summary>JavaScript under a JavaScript MIME type (module scripts are MIME-checked), unknown types as bytes.</summary>
    public static FileExtensionContentTypeProvider ContentTypes { get; } = CreateContentTypes();

    /// <summary>Serves <c>--static-root</c> first, so its files win over ours.</summary>
    public static void UseStaticRoot(IApplicationBuilder app, string? staticRoot)
    {
        if (staticRoot is null)
        {
            return;
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(staticRoot),
            ContentTypeProvider = ContentTypes,
            ServeUnknownFileTypes = true,
            DefaultContentType = "application/octet-stream",
        });
    }

    /// <summary>Answers <c>/index.html</c> and <c>/assets/*</c>; returns false for every other request.</summary>
    public async Task<bool> TryServeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }

        var path = request.Path.Value ?? "";
        if (path == "/index.html")
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength = _indexHtml.Length;
            if (HttpMethods.IsGet(request.Method))
            {
                await context.Response.Body.WriteAsync(_indexHtml, context.RequestAborted);
            }

            return true;
        }

        if (!AssetFiles.TryGetValue(path, out var relative))
        {
            return false;
        }

        var file = _assetsRoot is null ? null : Path.Combine(_assetsRoot, relative);
        if (file is null || !File.Exists(file))
        {
            LogAssetsMissing(_logger, _assetsRoot ?? "(not found)");
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return true;
        }

        context.Response.ContentType = "text/javascript; charset=utf-8";
        await context.Response.SendFileAsync(file, context.RequestAborted);
        return true;
    }

    /// <summary><c>tests/Interop/browser-assets</c> above the working directory or the build output.</summary>
    public static string? FindAssetsRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "Interop", "browser-assets");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static FileExtensionContentTypeProvider CreateContentTypes()
    {
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".js"] = "text/javascript; charset=utf-8";
        types.Mappings[".mjs"] = "text/javascript; charset=utf-8";
        types.Mappings[".map"] = "application/json";
        types.Mappings[".wasm"] = "application/wasm";
        return types;
    }

    [LoggerMessage(1, LogLevel.Warning,
        "The npm files for the page are missing under '{AssetsRoot}': run `bash build/deps/browser-assets.sh` (or pass --assets-root).")]
    private static partial void LogAssetsMissing(ILogger logger, string assetsRoot);
}
