from django.core.exceptions import ValidationError


class MaximumLengthValidator:
    """NIST SP 800-63B asks verifiers to accept at least 64 characters; we accept 256 and stop
    there so that hashing a huge input cannot be used to tie up the server."""

    max_length = 256

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                f"Use at most {self.max_length} characters.", code="password_too_long"
            )

    def get_help_text(self) -> str:
        return f"Long passphrases are welcome, up to {self.max_length} characters."
