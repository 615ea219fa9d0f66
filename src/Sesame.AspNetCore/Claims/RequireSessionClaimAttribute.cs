using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;

namespace Sesame.AspNetCore.Claims;

/// <summary>
/// Requires session claim validators on a controller or action, through ASP.NET Core authorization: <c>[RequireSessionClaim(typeof(AppClaims),
/// nameof(AppClaims.EmailVerified))]</c>, where the named public static field or property holds a <see cref="SessionClaimValidator"/> or a
/// sequence of them. A failure answers the invalid-claim status with the protocol's body.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = true)]
public sealed class RequireSessionClaimAttribute : Attribute, IAuthorizationRequirementData
{
    private readonly SessionClaimsRequirement _requirement;

    /// <summary>Creates the attribute.</summary>
    /// <param name="holder">The type declaring the validator(s).</param>
    /// <param name="member">The name of its public static field or property.</param>
    public RequireSessionClaimAttribute(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicFields | DynamicallyAccessedMemberTypes.PublicProperties)] Type holder,
        string member)
    {
        ArgumentNullException.ThrowIfNull(holder);
        ArgumentException.ThrowIfNullOrEmpty(member);
        Holder = holder;
        Member = member;
        var value = holder.GetField(member, BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            ?? holder.GetProperty(member, BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        _requirement = value switch
        {
            SessionClaimValidator validator => new SessionClaimsRequirement([validator]),
            IEnumerable<SessionClaimValidator> validators => new SessionClaimsRequirement(validators),
            _ => throw new ArgumentException($"{holder.Name}.{member} is not a public static SessionClaimValidator (or a sequence of them).", nameof(member)),
        };
    }

    /// <summary>The type declaring the validator(s).</summary>
    public Type Holder { get; }

    /// <summary>The member holding them.</summary>
    public string Member { get; }

    /// <inheritdoc />
    public IEnumerable<IAuthorizationRequirement> GetRequirements() => [_requirement];
}
