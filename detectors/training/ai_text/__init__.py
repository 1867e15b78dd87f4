"""Training of the AI-text models: ai-default (train), ai-lm (lm_train), ai-minilm (minilm_train)."""
