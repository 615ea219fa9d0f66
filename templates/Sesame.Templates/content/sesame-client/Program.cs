// A client of a Sesame-protected API (e.g. one made with "dotnet new sesame-api", running on http://localhost:5000):
//   dotnet run -- --user alice        logs in once, then calls GET /api/me; the session is kept in session.json
//   dotnet run                        later runs reuse the session from the file (refreshed when its access token expired)
//   dotnet run -- --sign-out          ends the session
// Options: --api <url> (default http://localhost:5000), --user <id> (default alice), --session <file> (default session.json).
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;

var api = Option("--api") ?? "http://localhost:5000";
var user = Option("--user") ?? "alice";
var sessionFile = Path.GetFullPath(Option("--session") ?? "session.json");

var services = new ServiceCollection();
services.AddSesameClient(o => o.ApiDomain = api)   // refresh at {api}/auth/session/refresh when the access token expired
        .UseFileTokenStore(sessionFile);            // the session survives restarts; processes sharing the file refresh once
services.AddHttpClient("api", c => c.BaseAddress = new Uri(api)).AddSessionHandler();
await using var provider = services.BuildServiceProvider();
var http = provider.GetRequiredService<IHttpClientFactory>().CreateClient("api");
var session = provider.GetRequiredService<ISessionClient>();

if (args.Contains("--sign-out"))
{
    await session.SignOutAsync();
    Console.WriteLine("Signed out.");
    return 0;
}

if (await session.DoesSessionExistAsync())
{
    Console.WriteLine($"Session of '{await session.GetUserIdAsync()}' read back from {sessionFile}.");
}
else
{
    using var login = await http.PostAsJsonAsync("/login", new { userId = user });
    if (!login.IsSuccessStatusCode)
    {
        Console.Error.WriteLine($"Login failed: {(int)login.StatusCode}");
        return 1;
    }

    Console.WriteLine($"Logged in as '{user}'; session kept in {sessionFile}.");
}

using var me = await http.GetAsync("/api/me");   // an expired access token is refreshed once, then the call is re-sent
Console.WriteLine($"GET /api/me: {(int)me.StatusCode} {await me.Content.ReadAsStringAsync()}");
return me.IsSuccessStatusCode ? 0 : 1;

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
