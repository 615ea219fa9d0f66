namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>The refresh check of <see cref="SesameIdentitySessions{TUser}"/>, callable without knowing the user type.</summary>
internal interface IRefreshValidator
{
    Task ValidateRefreshAsync(SesameRefreshingContext context);
}
