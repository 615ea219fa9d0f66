using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Sesame.Benchmarks.Identity.Server;

// The Identity comparison's server, one mode per process (bench/Sesame.Benchmarks/Load/IdentityLoad.cs drives it):
//   sesame       ASP.NET Core Identity + Sesame.AspNetCore.Identity: POST /register, POST /login (a Sesame session),
//                POST /auth/session/refresh, GET /api/me behind the Sesame scheme
//   identityapi  ASP.NET Core Identity + MapIdentityApi: POST /register, POST /login (bearer tokens), POST /refresh,
//                GET /api/me behind Identity's bearer scheme
// usage: --mode sesame|identityapi [--port N]. A fresh folder of its own (SQLite files, Data Protection keys), deleted when it stops.
// Prints "listening on http://127.0.0.1:<port>" once ready; stops on stdin EOF or SIGTERM.
var mode = IdentityBenchMode.Sesame;
var port = 0;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--mode": mode = Enum.Parse<IdentityBenchMode>(Next(), ignoreCase: true); break;
        case "--port": port = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"unknown argument {args[i]}");
    }
}

var directory = Path.Combine(Path.GetTempPath(), "sesame-bench-identity", Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(directory);
var app = IdentityBenchApp.Build(mode, directory, builder =>
    builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port)));
await using (var scope = app.Services.CreateAsyncScope())
{
    await scope.ServiceProvider.GetRequiredService<BenchIdentityDb>().Database.EnsureCreatedAsync();
}

await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine("listening on " + address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
Console.Out.Flush();

var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
_ = Task.Run(() =>
{
    while (Console.In.Read() >= 0)
    {
    }

    lifetime.StopApplication();
});
await app.WaitForShutdownAsync();
await app.DisposeAsync();
Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
Directory.Delete(directory, recursive: true);
