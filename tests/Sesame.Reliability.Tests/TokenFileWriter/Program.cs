using Sesame.Client;

// Usage: Sesame.Reliability.TokenFileWriter <token file> <padding bytes>
// Writes snapshot 1, 2, 3, ... through FileTokenStore (the real client store) and prints "ok <n>" after each write returned, so the
// parent knows which snapshots were acknowledged when it kills this process. Every field of snapshot n is derived from n, so a torn
// or mixed file is detectable.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: <token file> <padding bytes>");
    return 2;
}

var padding = new string('p', int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
using var store = new FileTokenStore(args[0]);
var start = store.Current.LastAccessTokenUpdate ?? 0;
Console.Out.Flush();
for (var n = start + 1; ; n++)
{
    var snapshot = Snapshot(n, padding);
    await store.UpdateAsync(_ => snapshot, CancellationToken.None);
    Console.WriteLine("ok " + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
    Console.Out.Flush();
}

static SessionTokens Snapshot(long n, string padding) => new()
{
    LastAccessTokenUpdate = n,
    AccessToken = "access-" + n + "-" + padding,
    RefreshToken = "refresh-" + n,
    FrontToken = "front-" + n,
    AntiCsrfToken = "csrf-" + n,
};
