class SurveyError(Exception):
    """A survey action refused, with a sentence the person can act on."""


class AnswersInvalid(SurveyError):
    """Answers that do not fit the questions; `errors` maps question codes to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Some answers need your attention.")
        self.errors = errors


class AlreadyAnswered(SurveyError):
    pass
