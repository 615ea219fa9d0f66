using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Sesame.AspNetCore.Internal;

internal readonly record struct AccessTokenCheck(AccessTokenStatus Status, SesameSession? Session, string? Reason);
