// The Sesame console client. Start the demo server first:
//   dotnet run --project samples/Demo -- --urls http://localhost:5000 --Session:AccessTokenLifetime=00:00:05
// then, in another terminal:
//   dotnet run --project samples/Console -- --user alice             (logs in, calls /api/me every 2 s, refreshes by itself)
//   dotnet run --project samples/Console                             (run again: the session is read back from the token file)
//   dotnet run --project samples/Console -- --sign-out
// Options: --api <url> (default http://localhost:5000), --user <id> (default alice), --store <file> (default ./sesame-console-tokens.json),
//          --calls <n> (default 8), --interval <seconds> (default 2).
using System.Globalization;
using System.Net.Http.Json;
using Sesame.Client;

var api = Option("--api") ?? "http://localhost:5000";
var user = Option("--user") ?? "alice";
var store = Path.GetFullPath(Option("--store") ?? "sesame-console-tokens.json");
var calls = int.Parse(Option("--calls") ?? "8", CultureInfo.InvariantCulture);
var interval = TimeSpan.FromSeconds(double.Parse(Option("--interval") ?? "2", CultureInfo.InvariantCulture));

var refreshes = 0;
using var tokenFile = new FileTokenStore(store);
SesameRequest.Init(new SesameClientOptions
{
    ApiDomain = api,
    OnSessionEvent = e =>
    {
        if (e.Type == SessionEventType.RefreshSession)
        {
            Interlocked.Increment(ref refreshes);
        }

        Print(ConsoleColor.Cyan, $"  [event] {e}");
    },
}, tokenFile);

Console.WriteLine($"Sesame console client → {api}  (session file: {store})");
try
{
    if (args.Contains("--sign-out"))
    {
        await SesameRequest.SignOutAsync();
        Print(ConsoleColor.Green, "Signed out; the session file no longer holds a session.");
        return 0;
    }

    if (await SesameRequest.DoesSessionExistAsync())
    {
        Print(ConsoleColor.Green, $"Resumed the session of '{await SesameRequest.GetUserIdAsync()}' from the session file (no login needed).");
    }
    else
    {
        using var login = await SesameRequest.PostAsync("/login", JsonContent.Create(new { userId = user }));
        if (!login.IsSuccessStatusCode)
        {
            Print(ConsoleColor.Red, $"Login failed: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
            return 1;
        }

        Print(ConsoleColor.Green, $"Logged in as '{user}'.");
    }

    for (var i = 1; i <= calls; i++)
    {
        var before = Volatile.Read(ref refreshes);
        using var me = await SesameRequest.GetAsync("/api/me");
        var body = await me.Content.ReadAsStringAsync();
        var refreshed = Volatile.Read(ref refreshes) != before ? "  (the access token had expired: refreshed by itself, call re-sent)" : string.Empty;
        Print(me.IsSuccessStatusCode ? ConsoleColor.Gray : ConsoleColor.Red, $"call {i}/{calls}: GET /api/me → {(int)me.StatusCode} {body}{refreshed}");
        if (!me.IsSuccessStatusCode)
        {
            return 1;
        }

        var payload = await SesameRequest.GetAccessTokenPayloadAsync();
        var expiresIn = DateTimeOffset.FromUnixTimeSeconds(payload.GetProperty("exp").GetInt64()) - DateTimeOffset.UtcNow;
        Console.WriteLine($"  access token valid for {Math.Max(0, expiresIn.TotalSeconds):0.0} more s");
        if (i < calls)
        {
            await Task.Delay(interval);
        }
    }

    Console.WriteLine("Done. Run again to reuse the session, or with --sign-out to end it.");
    return 0;
}
catch (HttpRequestException ex)
{
    Print(ConsoleColor.Red, $"Cannot reach {api}: {ex.Message}. Start the demo: dotnet run --project samples/Demo -- --urls {api}");
    return 1;
}
catch (SessionExpiredException ex)
{
    Print(ConsoleColor.Yellow, $"The session ended ({ex.Message}); run again to log in.");
    return 1;
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static void Print(ConsoleColor color, string text)
{
    var previous = Console.ForegroundColor;
    Console.ForegroundColor = color;
    Console.WriteLine(text);
    Console.ForegroundColor = previous;
}
