// One client process of the "two processes share one token file" legacy test. Usage:
//   Sesame.Interop.Legacy.Worker <refreshTokenUrl> <tokenFile> <url>
// Builds a legacy-dialect client on the shared FileTokenStore, prints "ready", waits for one line on stdin (the start signal,
// so that both processes hit the expired session at the same moment), sends GET <url> and prints "<status> <body>".
using Microsoft.Extensions.DependencyInjection;
using Sesame.Client;

if (args.Length != 3)
{
    await Console.Error.WriteLineAsync("usage: Sesame.Interop.Legacy.Worker <refreshTokenUrl> <tokenFile> <url>");
    return 2;
}

var services = new ServiceCollection();
services.AddSesameClient(options =>
{
    options.Protocol = SessionProtocol.Legacy;
    options.RefreshTokenUrl = args[0];
    options.SessionExpiredStatusCode = 440;
}).UseFileTokenStore(args[1]);
services.AddHttpClient("peer").AddSessionHandler();
await using var provider = services.BuildServiceProvider();
using var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("peer");

Console.WriteLine("ready");
if (Console.ReadLine() is null)
{
    return 3;
}

using var response = await client.GetAsync(new Uri(args[2]));
var body = await response.Content.ReadAsStringAsync();
Console.WriteLine($"{(int)response.StatusCode} {body}");
return 0;
