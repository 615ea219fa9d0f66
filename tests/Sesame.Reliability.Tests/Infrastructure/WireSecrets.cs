using System.Collections.Concurrent;

namespace Sesame.Reliability.Tests.Infrastructure;

/// <summary>
/// Every secret value seen on the wire during the run (access tokens, refresh tokens, anti-CSRF tokens), plus the parts of each that
/// would be enough to use or forge it (a JWT's signature, a refresh token's body and MAC), so a partial leak is found as well.
/// </summary>
internal static class WireSecrets
{
    // Shorter values (e.g. "remove", empty clears) are not secrets.
    private const int MinimumSecretLength = 16;

    private static readonly ConcurrentDictionary<string, byte> s_values = new(StringComparer.Ordinal);

    public static int Count => s_values.Count;

    public static void Add(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        value = Uri.UnescapeDataString(value.Trim());
        if (value.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            value = value["Bearer ".Length..].Trim();
        }

        if (value.Length < MinimumSecretLength || value == "remove")
        {
            return;
        }

        s_values.TryAdd(value, 0);
        var parts = value.Split('.');
        if (parts.Length == 3 && parts[2].Length >= MinimumSecretLength)
        {
            s_values.TryAdd(parts[2], 0); // a JWT's signature (header and payload are not secret: the front token shows the payload)
        }
        else if (parts.Length == 2 && !IsJwtHeader(parts[0]))
        {
            // A refresh token: body (holds the random nonce) and MAC.
            foreach (var part in parts)
            {
                if (part.Length >= MinimumSecretLength)
                {
                    s_values.TryAdd(part, 0);
                }
            }
        }
    }

    // A JWT cut after its payload (the hostile "two-segments" token) is a header and a payload, both public: recording them would
    // flag every log line that quotes the shared header of any token (Kestrel's bad-request log does, at Debug, up to 128 chars).
    private static bool IsJwtHeader(string segment)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(segment));
            return json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && json.RootElement.TryGetProperty("alg", out _);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    /// <summary>One recorded secret (for the check's own self-test).</summary>
    public static string Sample() => s_values.Keys.First(k => k.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));

    /// <summary>Log lines that contain a secret: each line is cut at every character that cannot occur in a token, and every piece
    /// (and every dot-separated part of a piece) is looked up, so a token inside a longer text is found in linear time.</summary>
    public static IReadOnlyList<string> FindLeaks(IEnumerable<CapturedLogLine> lines)
    {
        var leaks = new List<string>();
        foreach (var line in lines)
        {
            foreach (var piece in Pieces(line.Text))
            {
                if (s_values.ContainsKey(piece) || (piece.Contains('.', StringComparison.Ordinal) && piece.Split('.').Any(s_values.ContainsKey)))
                {
                    leaks.Add($"{line.Category} [{line.Level}] {line.EventId}: {Truncate(line.Text)}");
                    break;
                }
            }
        }

        return leaks;
    }

    private static IEnumerable<string> Pieces(string text)
    {
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inToken = i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '-' or '_' or '.');
            if (inToken && start < 0)
            {
                start = i;
            }
            else if (!inToken && start >= 0)
            {
                if (i - start >= MinimumSecretLength)
                {
                    yield return text[start..i];
                }

                start = -1;
            }
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
