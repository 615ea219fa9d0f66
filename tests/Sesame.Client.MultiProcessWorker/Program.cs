// A child process of the MultiProcess tests. Modes:
//   call <apiDomain> <tokenFile> <calls> <goFile> [header|cookie] — waits until <goFile> exists, then sends <calls> concurrent GET / through the
//                                                   explicit API on the shared file store; prints one line "RESULT ok=<n> failed=<n> <errors>".
//   hold <tokenFile>                               — takes the store's cross-process refresh lock, prints "LOCKED", and never lets go
//                                                   (the test kills it with SIGKILL while it holds the lock).
using System.Diagnostics;
using Sesame.Client;

if (args.Length >= 2 && args[0] == "hold")
{
    using var store = new FileTokenStore(args[1]);
    var handle = await store.RefreshLock.TryAcquireAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
    if (handle is null)
    {
        Console.WriteLine("NOT-LOCKED");
        return 1;
    }

    Console.WriteLine("LOCKED");
    await Task.Delay(Timeout.Infinite);
    return 0;
}

if (args.Length is not (5 or 6) || args[0] != "call")
{
    Console.Error.WriteLine("usage: call <apiDomain> <tokenFile> <calls> <goFile> [header|cookie] | hold <tokenFile>");
    return 2;
}

var apiDomain = args[1];
var tokenFile = args[2];
var calls = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var goFile = args[4];

using var tokens = new FileTokenStore(tokenFile);
var method = args.Length == 6 && args[5] == "cookie" ? TokenTransferMethod.Cookie : TokenTransferMethod.Header;
SesameRequest.Init(new SesameClientOptions { ApiDomain = apiDomain, TokenTransferMethod = method }, tokens);
Console.WriteLine("READY");

var wait = Stopwatch.StartNew();
while (!File.Exists(goFile))
{
    if (wait.Elapsed > TimeSpan.FromSeconds(60))
    {
        Console.WriteLine("RESULT ok=0 failed=" + calls + " no-go-signal");
        return 1;
    }

    await Task.Delay(2);
}

var errors = new List<string>();
var ok = 0;
await Task.WhenAll(Enumerable.Range(0, calls).Select(async _ =>
{
    try
    {
        using var response = await SesameRequest.GetAsync("/");
        var body = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode == 200)
        {
            Interlocked.Increment(ref ok);
        }
        else
        {
            lock (errors)
            {
                errors.Add($"{(int)response.StatusCode}:{body}");
            }
        }
    }
    catch (Exception ex)
    {
        lock (errors)
        {
            errors.Add(ex.GetType().Name + ":" + ex.Message);
        }
    }
}));

Console.WriteLine($"RESULT ok={ok} failed={errors.Count} {string.Join(" | ", errors.Distinct())}");
return errors.Count == 0 ? 0 : 1;
