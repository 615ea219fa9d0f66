using System.Security.Claims;
using System.Text.Json;

namespace Sesame.AspNetCore.Internal;

/// <summary>
/// Turns an access-token payload into claims as <see cref="SesameClaimMappingOptions"/> says, once per verified token: the result is kept
/// on the (immutable, shared) <see cref="SesameSession"/>, so the per-request cost is one <see cref="Claim"/> per mapped value and nothing
/// when the payload has no custom properties.
/// </summary>
internal sealed class PayloadClaimMapper
{
    /// <summary>The value type of claims holding an object or array as JSON (as JwtBearer's <c>JsonClaimValueTypes.Json</c>).</summary>
    internal const string JsonValueType = "JSON";

    private static readonly MappedClaim[] None = [];

    private readonly SesameClaimMappingOptions _options;
    private readonly Dictionary<string, string> _claimTypes;
    private readonly HashSet<string> _ignored;

    public PayloadClaimMapper(SesameClaimMappingOptions options)
    {
        _options = options;
        _claimTypes = new Dictionary<string, string>(_options.ClaimTypes, StringComparer.Ordinal);
        _ignored = new HashSet<string>(_options.IgnoredProperties, StringComparer.Ordinal);
    }

    /// <summary>The mapped claims of <paramref name="session"/>'s payload (computed on first use, then shared by every request with the token).</summary>
    public MappedClaim[] ClaimsOf(SesameSession session) => session.MappedClaims ??= _options.MapPayload ? Map(session.PayloadJson) : None;

    internal MappedClaim[] Map(string payloadJson)
    {
        using var document = JsonDocument.Parse(payloadJson);
        List<MappedClaim>? claims = null;
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var name = property.Name;
            if (AccessTokenService.Reserved.Contains(name) || name == "iss" || _ignored.Contains(name))
            {
                continue;
            }

            var type = _claimTypes.TryGetValue(name, out var mapped) ? mapped : name;
            var value = SessionClaimValue(property.Value);
            if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.EnumerateArray())
                {
                    Add(ref claims, type, item);
                }
            }
            else
            {
                Add(ref claims, type, value);
            }
        }

        return claims is null ? None : [.. claims];
    }

    /// <summary>A session claim (<c>{"v":value,"t":fetchedAtMs}</c>) maps to its value; anything else to itself.</summary>
    private static JsonElement SessionClaimValue(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("v", out var v) && value.TryGetProperty("t", out var t)
            && t.ValueKind == JsonValueKind.Number)
        {
            var count = 0;
            foreach (var _ in value.EnumerateObject())
            {
                count++;
            }

            if (count == 2)
            {
                return v;
            }
        }

        return value;
    }

    private static void Add(ref List<MappedClaim>? claims, string type, JsonElement value)
    {
        MappedClaim claim;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                claim = new MappedClaim(type, value.GetString()!, ClaimValueTypes.String);
                break;
            case JsonValueKind.Number:
                // The JSON text is already invariant (no culture, '.' as separator).
                claim = new MappedClaim(type, value.GetRawText(), value.TryGetInt64(out _) ? ClaimValueTypes.Integer64 : ClaimValueTypes.Double);
                break;
            case JsonValueKind.True:
                claim = new MappedClaim(type, "true", ClaimValueTypes.Boolean);
                break;
            case JsonValueKind.False:
                claim = new MappedClaim(type, "false", ClaimValueTypes.Boolean);
                break;
            case JsonValueKind.Object or JsonValueKind.Array:
                claim = new MappedClaim(type, value.GetRawText(), JsonValueType);
                break;
            default:
                return; // null: no claim
        }

        (claims ??= []).Add(claim);
    }
}
