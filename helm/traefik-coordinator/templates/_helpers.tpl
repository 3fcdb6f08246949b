{{/* Names and labels. */}}
{{- define "tc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tc.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tc.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tc.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tc.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tc.dynamicConfigMap" -}}
{{- default (printf "%s-dynamic" (include "tc.fullname" .)) .Values.dynamic.existingConfigMap -}}
{{- end -}}

{{/* TLS section of the coordinator settings for a mounted Secret. Arguments: the values section and the mount path. */}}
{{- define "tc.tlsSettings" -}}
{{- $tls := index . 0 -}}
{{- $path := index . 1 -}}
{{- if and $tls.existingSecret $tls.caKey }}
ca: {{ printf "%s/%s" $path $tls.caKey }}
{{- end }}
{{- if $tls.certKey }}
cert: {{ printf "%s/%s" $path $tls.certKey }}
key: {{ printf "%s/%s" $path $tls.keyKey }}
{{- end }}
{{- end -}}
