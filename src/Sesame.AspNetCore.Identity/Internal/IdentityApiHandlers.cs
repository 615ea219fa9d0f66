using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.Data;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Sesame.AspNetCore.Identity.Internal;

/// <summary>
/// The endpoints of <see cref="SesameIdentityEndpoints.MapSesameIdentityApi{TUser}"/>: <c>MapIdentityApi</c>'s requests and answers, with
/// a Sesame session made at login and the user's sessions renewed or revoked when its security stamp changes.
/// </summary>
internal sealed class IdentityApiHandlers<TUser>
    where TUser : class, new()
{
    private const string AuthModeHeader = "st-auth-mode";

    // The check UserValidator runs when RequireUniqueEmail is set, applied to every address as MapIdentityApi does.
    private static readonly EmailAddressAttribute EmailAddress = new();

    public static async Task<Results<Ok, ValidationProblem>> RegisterAsync(RegisterRequest registration, HttpContext context)
    {
        var services = context.RequestServices;
        var users = services.GetRequiredService<UserManager<TUser>>();
        if (!users.SupportsUserEmail)
        {
            throw new NotSupportedException("MapSesameIdentityApi needs a user store with email support.");
        }

        var email = registration.Email;
        if (string.IsNullOrEmpty(email) || !EmailAddress.IsValid(email))
        {
            return Problem(IdentityResult.Failed(users.ErrorDescriber.InvalidEmail(email)));
        }

        var store = services.GetRequiredService<IUserStore<TUser>>();
        var user = new TUser();
        await store.SetUserNameAsync(user, email, CancellationToken.None).ConfigureAwait(false);
        await ((IUserEmailStore<TUser>)store).SetEmailAsync(user, email, CancellationToken.None).ConfigureAwait(false);
        var result = await users.CreateAsync(user, registration.Password).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return Problem(result);
        }

        await SendConfirmationEmailAsync(user, users, context, email, isChange: false).ConfigureAwait(false);
        return TypedResults.Ok();
    }

    public static async Task<Results<EmptyHttpResult, ProblemHttpResult>> LoginAsync(LoginRequest login, bool? useCookies, bool? useSessionCookies,
        HttpContext context)
    {
        var services = context.RequestServices;
        var users = services.GetRequiredService<UserManager<TUser>>();
        var sessions = services.GetRequiredService<SesameIdentitySessions<TUser>>();
        var options = services.GetRequiredService<IOptions<SesameIdentityOptions>>().Value;

        // MapIdentityApi's cookie switch, for clients that do not send the session protocol's header themselves.
        if ((useCookies == true || useSessionCookies == true) && !context.Request.Headers.ContainsKey(AuthModeHeader))
        {
            context.Request.Headers[AuthModeHeader] = "cookie";
        }

        var user = await users.FindByNameAsync(login.Email).ConfigureAwait(false);
        var result = user is null ? SignInResult.Failed : await CheckSignInAsync(users, sessions, user, login).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return TypedResults.Problem(result.ToString(), statusCode: options.LoginFailureStatusCode);
        }

        await sessions.CreateSessionAsync(context, user!, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Empty;
    }

    /// <summary>
    /// Identity's sign-in checks, in its order (may sign in, not locked out, password, then a two-factor or recovery code when two-factor
    /// is on), without its sign-in schemes: every wrong password or code counts towards lock-out, success resets the count.
    /// </summary>
    private static async Task<SignInResult> CheckSignInAsync(UserManager<TUser> users, SesameIdentitySessions<TUser> sessions, TUser user,
        LoginRequest login)
    {
        if (!await sessions.CanSignInAsync(user).ConfigureAwait(false))
        {
            return SignInResult.NotAllowed;
        }

        if (users.SupportsUserLockout && await users.IsLockedOutAsync(user).ConfigureAwait(false))
        {
            return SignInResult.LockedOut;
        }

        if (!await users.CheckPasswordAsync(user, login.Password).ConfigureAwait(false))
        {
            return await FailedAttemptAsync(users, user).ConfigureAwait(false);
        }

        if (users.SupportsUserTwoFactor && await users.GetTwoFactorEnabledAsync(user).ConfigureAwait(false)
            && (await users.GetValidTwoFactorProvidersAsync(user).ConfigureAwait(false)).Count > 0)
        {
            if (!string.IsNullOrEmpty(login.TwoFactorCode))
            {
                var code = login.TwoFactorCode.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
                if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code).ConfigureAwait(false))
                {
                    return await FailedAttemptAsync(users, user).ConfigureAwait(false);
                }
            }
            else if (!string.IsNullOrEmpty(login.TwoFactorRecoveryCode))
            {
                var redeemed = await users.RedeemTwoFactorRecoveryCodeAsync(user, login.TwoFactorRecoveryCode.Replace(" ", string.Empty,
                    StringComparison.Ordinal)).ConfigureAwait(false);
                if (!redeemed.Succeeded)
                {
                    return await FailedAttemptAsync(users, user).ConfigureAwait(false);
                }
            }
            else
            {
                return SignInResult.TwoFactorRequired;
            }
        }

        if (users.SupportsUserLockout)
        {
            await users.ResetAccessFailedCountAsync(user).ConfigureAwait(false);
        }

        return SignInResult.Success;
    }

    private static async Task<SignInResult> FailedAttemptAsync(UserManager<TUser> users, TUser user)
    {
        if (users.SupportsUserLockout)
        {
            await users.AccessFailedAsync(user).ConfigureAwait(false);
            if (await users.IsLockedOutAsync(user).ConfigureAwait(false))
            {
                return SignInResult.LockedOut;
            }
        }

        return SignInResult.Failed;
    }

    public static async Task<Results<ContentHttpResult, UnauthorizedHttpResult>> ConfirmEmailAsync(string userId, string code, string? changedEmail,
        HttpContext context)
    {
        var services = context.RequestServices;
        var users = services.GetRequiredService<UserManager<TUser>>();
        if (await users.FindByIdAsync(userId).ConfigureAwait(false) is not { } user)
        {
            return TypedResults.Unauthorized(); // as MapIdentityApi: no hint whether the user exists
        }

        try
        {
            code = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return TypedResults.Unauthorized();
        }

        IdentityResult result;
        if (string.IsNullOrEmpty(changedEmail))
        {
            result = await users.ConfirmEmailAsync(user, code).ConfigureAwait(false);
        }
        else
        {
            // Email and user name are one, as in MapIdentityApi. The change renews the security stamp: the user's sessions end.
            result = await users.ChangeEmailAsync(user, changedEmail, code).ConfigureAwait(false);
            if (result.Succeeded)
            {
                result = await users.SetUserNameAsync(user, changedEmail).ConfigureAwait(false);
                await services.GetRequiredService<SesameIdentitySessions<TUser>>().RevokeAllSessionsAsync(user, context.RequestAborted)
                    .ConfigureAwait(false);
            }
        }

        return result.Succeeded ? TypedResults.Text("Thank you for confirming your email.") : TypedResults.Unauthorized();
    }

    public static async Task<Ok> ResendConfirmationEmailAsync(ResendConfirmationEmailRequest request, HttpContext context)
    {
        var users = context.RequestServices.GetRequiredService<UserManager<TUser>>();
        if (await users.FindByEmailAsync(request.Email).ConfigureAwait(false) is { } user)
        {
            await SendConfirmationEmailAsync(user, users, context, request.Email, isChange: false).ConfigureAwait(false);
        }

        return TypedResults.Ok();
    }

    public static async Task<Results<Ok, ValidationProblem>> ForgotPasswordAsync(ForgotPasswordRequest request, HttpContext context)
    {
        var services = context.RequestServices;
        var users = services.GetRequiredService<UserManager<TUser>>();
        var user = await users.FindByEmailAsync(request.Email).ConfigureAwait(false);
        if (user is not null && await users.IsEmailConfirmedAsync(user).ConfigureAwait(false))
        {
            var code = await users.GeneratePasswordResetTokenAsync(user).ConfigureAwait(false);
            code = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(code));
            await services.GetRequiredService<IEmailSender<TUser>>().SendPasswordResetCodeAsync(user, request.Email, HtmlEncoder.Default.Encode(code))
                .ConfigureAwait(false);
        }

        // The same answer whether or not the user exists or is confirmed.
        return TypedResults.Ok();
    }

    public static async Task<Results<Ok, ValidationProblem>> ResetPasswordAsync(ResetPasswordRequest request, HttpContext context)
    {
        var services = context.RequestServices;
        var users = services.GetRequiredService<UserManager<TUser>>();
        var user = await users.FindByEmailAsync(request.Email).ConfigureAwait(false);
        if (user is null || !await users.IsEmailConfirmedAsync(user).ConfigureAwait(false))
        {
            // The answer an invalid code gets, so the endpoint does not tell which users exist.
            return Problem(IdentityResult.Failed(users.ErrorDescriber.InvalidToken()));
        }

        IdentityResult result;
        try
        {
            var code = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(request.ResetCode));
            result = await users.ResetPasswordAsync(user, code, request.NewPassword).ConfigureAwait(false);
        }
        catch (FormatException)
        {
            result = IdentityResult.Failed(users.ErrorDescriber.InvalidToken());
        }

        if (!result.Succeeded)
        {
            return Problem(result);
        }

        // Whoever had the old password may hold sessions: all of them end now (the stamp check at refresh would end them too).
        await services.GetRequiredService<SesameIdentitySessions<TUser>>().RevokeAllSessionsAsync(user, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok();
    }

    public static async Task<Results<Ok<TwoFactorResponse>, ValidationProblem, NotFound>> TwoFactorAsync(TwoFactorRequest request, HttpContext context)
    {
        var services = context.RequestServices;
        var users = services.GetRequiredService<UserManager<TUser>>();
        if (await CurrentUserAsync(users, context).ConfigureAwait(false) is not { } user)
        {
            return TypedResults.NotFound();
        }

        var stampBefore = await StampAsync(users, user).ConfigureAwait(false);
        if (request.Enable == true)
        {
            if (request.ResetSharedKey)
            {
                return Problem("CannotResetSharedKeyAndEnable",
                    "Resetting the 2fa shared key must disable 2fa until a 2fa token based on the new shared key is validated.");
            }

            if (string.IsNullOrEmpty(request.TwoFactorCode))
            {
                return Problem("RequiresTwoFactor", "No 2fa token was provided by the request. A valid 2fa token is required to enable 2fa.");
            }

            if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, request.TwoFactorCode).ConfigureAwait(false))
            {
                return Problem("InvalidTwoFactorCode",
                    "The 2fa token provided by the request was invalid. A valid 2fa token is required to enable 2fa.");
            }

            await users.SetTwoFactorEnabledAsync(user, true).ConfigureAwait(false);
        }
        else if (request.Enable == false || request.ResetSharedKey)
        {
            await users.SetTwoFactorEnabledAsync(user, false).ConfigureAwait(false);
        }

        if (request.ResetSharedKey)
        {
            await users.ResetAuthenticatorKeyAsync(user).ConfigureAwait(false);
        }

        string[]? recoveryCodes = null;
        if (request.ResetRecoveryCodes || (request.Enable == true && await users.CountRecoveryCodesAsync(user).ConfigureAwait(false) == 0))
        {
            recoveryCodes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10).ConfigureAwait(false))?.ToArray();
        }

        // ForgetMachine has nothing to forget: sessions have no "remember this machine" cookie that skips two-factor.
        var key = await users.GetAuthenticatorKeyAsync(user).ConfigureAwait(false);
        if (string.IsNullOrEmpty(key))
        {
            await users.ResetAuthenticatorKeyAsync(user).ConfigureAwait(false);
            key = await users.GetAuthenticatorKeyAsync(user).ConfigureAwait(false);
            if (string.IsNullOrEmpty(key))
            {
                throw new NotSupportedException("The user manager must produce an authenticator key after reset.");
            }
        }

        await RenewIfStampChangedAsync(services, users, user, stampBefore, context).ConfigureAwait(false);
        return TypedResults.Ok(new TwoFactorResponse
        {
            SharedKey = key,
            RecoveryCodes = recoveryCodes,
            RecoveryCodesLeft = recoveryCodes?.Length ?? await users.CountRecoveryCodesAsync(user).ConfigureAwait(false),
            IsTwoFactorEnabled = await users.GetTwoFactorEnabledAsync(user).ConfigureAwait(false),
            IsMachineRemembered = false,
        });
    }

    public static async Task<Results<Ok<InfoResponse>, ValidationProblem, NotFound>> GetInfoAsync(HttpContext context)
    {
        var users = context.RequestServices.GetRequiredService<UserManager<TUser>>();
        return await CurrentUserAsync(users, context).ConfigureAwait(false) is { } user
            ? TypedResults.Ok(await InfoAsync(users, user).ConfigureAwait(false))
            : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<InfoResponse>, ValidationProblem, NotFound>> PostInfoAsync(InfoRequest request, HttpContext context)
    {
        var services = context.RequestServices;
        var users = services.GetRequiredService<UserManager<TUser>>();
        if (await CurrentUserAsync(users, context).ConfigureAwait(false) is not { } user)
        {
            return TypedResults.NotFound();
        }

        if (!string.IsNullOrEmpty(request.NewEmail) && !EmailAddress.IsValid(request.NewEmail))
        {
            return Problem(IdentityResult.Failed(users.ErrorDescriber.InvalidEmail(request.NewEmail)));
        }

        if (!string.IsNullOrEmpty(request.NewPassword))
        {
            if (string.IsNullOrEmpty(request.OldPassword))
            {
                return Problem("OldPasswordRequired",
                    "The old password is required to set a new password. If the old password is forgotten, use /resetPassword.");
            }

            var stampBefore = await StampAsync(users, user).ConfigureAwait(false);
            var changed = await users.ChangePasswordAsync(user, request.OldPassword, request.NewPassword).ConfigureAwait(false);
            if (!changed.Succeeded)
            {
                return Problem(changed);
            }

            await RenewIfStampChangedAsync(services, users, user, stampBefore, context).ConfigureAwait(false);
        }

        if (!string.IsNullOrEmpty(request.NewEmail) && await users.GetEmailAsync(user).ConfigureAwait(false) != request.NewEmail)
        {
            await SendConfirmationEmailAsync(user, users, context, request.NewEmail, isChange: true).ConfigureAwait(false);
        }

        return TypedResults.Ok(await InfoAsync(users, user).ConfigureAwait(false));
    }

    private static async Task<TUser?> CurrentUserAsync(UserManager<TUser> users, HttpContext context) =>
        context.GetSesameSession() is { } session
            ? await users.FindByIdAsync(session.UserId).ConfigureAwait(false)
            : await users.GetUserAsync(context.User).ConfigureAwait(false);

    private static async Task<string?> StampAsync(UserManager<TUser> users, TUser user) =>
        users.SupportsUserSecurityStamp ? await users.GetSecurityStampAsync(user).ConfigureAwait(false) : null;

    /// <summary>After a change made by this request's session: if the stamp changed, end the user's other sessions and keep this one.</summary>
    private static async Task RenewIfStampChangedAsync(IServiceProvider services, UserManager<TUser> users, TUser user, string? stampBefore,
        HttpContext context)
    {
        if (!string.Equals(stampBefore, await StampAsync(users, user).ConfigureAwait(false), StringComparison.Ordinal))
        {
            await services.GetRequiredService<SesameIdentitySessions<TUser>>().RenewAfterSecurityChangeAsync(context, user, context.RequestAborted)
                .ConfigureAwait(false);
        }
    }

    private static async Task<InfoResponse> InfoAsync(UserManager<TUser> users, TUser user) => new()
    {
        Email = await users.GetEmailAsync(user).ConfigureAwait(false) ?? throw new NotSupportedException("Users must have an email."),
        IsEmailConfirmed = await users.IsEmailConfirmedAsync(user).ConfigureAwait(false),
    };

    private static async Task SendConfirmationEmailAsync(TUser user, UserManager<TUser> users, HttpContext context, string email, bool isChange)
    {
        var endpointName = context.GetEndpoint()?.Metadata.GetMetadata<ConfirmEmailEndpoint>()?.Name ?? throw new NotSupportedException("No email confirmation endpoint was registered.");
        var code = isChange
            ? await users.GenerateChangeEmailTokenAsync(user, email).ConfigureAwait(false)
            : await users.GenerateEmailConfirmationTokenAsync(user).ConfigureAwait(false);
        var routeValues = new RouteValueDictionary
        {
            ["userId"] = await users.GetUserIdAsync(user).ConfigureAwait(false),
            ["code"] = WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(code)),
        };
        if (isChange)
        {
            routeValues["changedEmail"] = email; // checked again by the confirm endpoint
        }

        var services = context.RequestServices;
        var link = services.GetRequiredService<LinkGenerator>().GetUriByName(context, endpointName, routeValues)
            ?? throw new NotSupportedException($"Could not find the endpoint named '{endpointName}'.");
        await services.GetRequiredService<IEmailSender<TUser>>().SendConfirmationLinkAsync(user, email, HtmlEncoder.Default.Encode(link))
            .ConfigureAwait(false);
    }

    private static ValidationProblem Problem(string code, string description) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [code] = [description] });

    private static ValidationProblem Problem(IdentityResult result)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var error in result.Errors)
        {
            errors[error.Code] = errors.TryGetValue(error.Code, out var known) ? [.. known, error.Description] : [error.Description];
        }

        return TypedResults.ValidationProblem(errors);
    }
}
