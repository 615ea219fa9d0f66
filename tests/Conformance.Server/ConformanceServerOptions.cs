using System.Globalization;

namespace Sesame.Conformance;

/// <summary>Where the conformance server listens and what it serves. Parsed from the command line.</summary>
public sealed class ConformanceServerOptions
{
    /// <summary>The address of the first server (the page origin of the reference suite). Port 0 = a free port.</summary>
    public Uri FirstUrl { get; set; } = new("http://localhost:8080");

    /// <summary>The address of the second server (the cross-origin API of the reference suite). Port 0 = a free port.</summary>
    public Uri SecondUrl { get; set; } = new("http://localhost:8082");

    /// <summary>
    /// The only origin CORS allows. <see langword="null"/> = the first server's origin, as the reference allows
    /// <c>http://localhost:8080</c>, its page origin.
    /// </summary>
    public string? CorsOrigin { get; set; }

    /// <summary>Extra static files; a file here wins over the server's own (e.g. <c>index.html</c>, <c>angular/*.js</c>).</summary>
    public string? StaticRoot { get; set; }

    /// <summary>
    /// The folder holding <c>node_modules</c> (axios, axios-mock-adapter) and <c>dist/supertokens.js</c>.
    /// <see langword="null"/> = <c>tests/Interop/browser-assets</c> found by walking up from the working and base directories.
    /// </summary>
    public string? AssetsRoot { get; set; }

    /// <summary>Folder for the SQLite files of the apps made by <c>/test/setup/app</c>. <see langword="null"/> = a new temp folder.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// The clock of the session backends (token issue and expiry times). Tests pass a fake one and expire tokens by moving it,
    /// never by waiting; <c>dotnet run</c> uses the system clock.
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Parses <c>--port N --second-port N --urls "u1;u2" --static-root DIR --assets-root DIR --cors-origin O --data-dir DIR</c>.</summary>
    /// <param name="args">The command-line arguments.</param>
    /// <returns>The options; unknown arguments throw with a usage message.</returns>
    public static ConformanceServerOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new ConformanceServerOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            string Value()
            {
                if (inlineValue is not null)
                {
                    return inlineValue;
                }

                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"{name} needs a value.\n{Usage}");
                }

                return args[++i];
            }

            switch (name)
            {
                case "--port":
                    options.FirstUrl = WithPort(options.FirstUrl, ParsePort(name, Value()));
                    break;
                case "--second-port":
                    options.SecondUrl = WithPort(options.SecondUrl, ParsePort(name, Value()));
                    break;
                case "--urls":
                    var urls = Value().Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (urls.Length != 2)
                    {
                        throw new ArgumentException($"--urls needs exactly two addresses separated by ';'.\n{Usage}");
                    }

                    options.FirstUrl = ParseUrl(urls[0]);
                    options.SecondUrl = ParseUrl(urls[1]);
                    break;
                case "--static-root":
                    options.StaticRoot = ExistingDirectory(name, Value());
                    break;
                case "--assets-root":
                    options.AssetsRoot = ExistingDirectory(name, Value());
                    break;
                case "--cors-origin":
                    options.CorsOrigin = Value().TrimEnd('/');
                    break;
                case "--data-dir":
                    options.DataDirectory = Path.GetFullPath(Value());
                    break;
                case "--help" or "-h":
                    throw new ArgumentException(Usage);
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.\n{Usage}");
            }
        }

        return options;
    }

    /// <summary>The command-line help.</summary>
    public const string Usage =
        "Usage: dotnet run --project tests/Conformance.Server -- [--port 8080] [--second-port 8082] "
        + "[--urls \"http://localhost:8080;http://localhost:8082\"] [--static-root DIR] [--assets-root DIR] "
        + "[--cors-origin http://localhost:8080] [--data-dir DIR]";

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }

    private static int ParsePort(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ArgumentException($"{name} must be a port number (0-65535), got '{value}'.");

    private static Uri ParseUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"'{value}' is not an http(s) address.");

    private static Uri WithPort(Uri url, int port) => new UriBuilder(url) { Port = port }.Uri;

    private static string ExistingDirectory(string name, string value)
    {
        var full = Path.GetFullPath(value);
        return Directory.Exists(full) ? full : throw new ArgumentException($"{name}: directory '{full}' does not exist.");
    }
}
