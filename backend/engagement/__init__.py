"""Have your say (questions and answers, moderation, themes), "You said, we did", and feedback on Hearby."""
