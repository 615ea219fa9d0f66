using System.Security.Claims;

namespace Sesame.AspNetCore;

/// <summary>
/// How the access-token payload becomes claims of the request's <see cref="ClaimsPrincipal"/> (<c>HttpContext.User</c>). By default every
/// property the app put in the payload is a claim of the same name: a string as it is, a number or boolean in its JSON (invariant) form, an
/// array as one claim per element, an object as JSON (value type <c>JSON</c>); a session claim stored as <c>{"v":…,"t":…}</c> gives its
/// value <c>v</c>. <c>role</c>, <c>roles</c> and <c>st-role</c> (the official SDK's roles claim) become <see cref="ClaimTypes.Role"/> claims, so
/// <c>[Authorize(Roles = "admin")]</c>, <c>RequireRole</c> and <c>User.IsInRole</c> work. The protocol's own claims (<c>sub</c>,
/// <c>sessionHandle</c>, <c>exp</c>, <c>iat</c>, <c>iss</c>, the token hashes…) are not mapped; <c>sub</c> and <c>sessionHandle</c> are
/// always present. The mapping is made once per access token, not per request.
/// </summary>
public sealed class SesameClaimMappingOptions
{
    /// <summary>Whether payload properties become claims at all. Default <see langword="true"/>.</summary>
    public bool MapPayload { get; set; } = true;

    /// <summary>
    /// The claim type of a payload property, by property name; a property not listed keeps its name as claim type.
    /// Default: <c>role</c>, <c>roles</c> and <c>st-role</c> map to <see cref="ClaimTypes.Role"/>.
    /// </summary>
    public IDictionary<string, string> ClaimTypes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["role"] = System.Security.Claims.ClaimTypes.Role,
        ["roles"] = System.Security.Claims.ClaimTypes.Role,
        ["st-role"] = System.Security.Claims.ClaimTypes.Role,
    };

    /// <summary>Payload properties that never become claims (e.g. large or private values). Empty by default.</summary>
    public ISet<string> IgnoredProperties { get; } = new HashSet<string>(StringComparer.Ordinal);
}
