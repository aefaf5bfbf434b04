#include "channel/smtp_sender.h"

#include "channel/smtp_session.h"

namespace mercato::channel {

SmtpSender::SmtpSender(SmtpOptions options) : options_(std::move(options)) {}

SendResult SmtpSender::Send(const EmailMessage& message) const {
  SmtpSession session(options_);
  return session.Send(message);
}

}  // namespace mercato::channel
